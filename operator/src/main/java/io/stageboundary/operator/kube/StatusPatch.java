package io.stageboundary.operator.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.util.function.Supplier;

/**
 * The one way a controller writes its resource's status: only when something other than a
 * condition's lastTransitionTime changed (a resync that learns nothing writes nothing, and no
 * timestamp can cause an endless loop), by server-side apply from a fresh object that holds only
 * the name and the status, never from the informer's copy.
 */
public final class StatusPatch {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusPatch() {}

  /** Two statuses (or condition lists) that differ only in lastTransitionTime are the same. */
  public static boolean same(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    return withoutTransitionTimes(JSON.valueToTree(a)).equals(withoutTransitionTimes(JSON.valueToTree(b)));
  }

  /** Patches the status when it changed; the resource then carries what the API server holds. */
  public static <S, R extends CustomResource<?, S>> void patchIfChanged(R resource, S next, Context<R> ctx,
      Supplier<R> blank) {
    if (same(resource.getStatus(), next)) {
      return;
    }
    R patched = PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(resource, fresh(resource, next, blank), ctx);
    resource.setStatus(patched.getStatus());
    resource.getMetadata().setResourceVersion(patched.getMetadata().getResourceVersion());
  }

  /** An object holding only {@code resource}'s name and {@code status}. */
  public static <S, R extends CustomResource<?, S>> R fresh(R resource, S status, Supplier<R> blank) {
    R fresh = blank.get();
    fresh.getMetadata().setName(resource.getMetadata().getName());
    fresh.setStatus(status);
    return fresh;
  }

  private static JsonNode withoutTransitionTimes(JsonNode node) {
    if (node.isObject()) {
      ((ObjectNode) node).remove("lastTransitionTime");
    }
    node.forEach(StatusPatch::withoutTransitionTimes);
    return node;
  }
}
