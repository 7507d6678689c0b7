package io.stageboundary.operator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Optional;

/** Reads straight from the API server, for the moments an informer cache may lag (just after a start). */
public final class Fresh {
  private Fresh() {}

  public static <T extends HasMetadata> Optional<T> get(Context<?> ctx, Class<T> type, String name) {
    return Optional.ofNullable(ctx.getClient().resources(type).withName(name).get());
  }
}
