package io.stageboundary.operator.kube;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.stageboundary.operator.api.v1alpha1.exception.BoundaryException;
import io.stageboundary.operator.api.v1alpha1.exception.BoundaryExceptionStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

/** Writes a BoundaryException's status as the Stage pass that judged it found it; only when it changed. */
public final class ExceptionStatuses {
  private static final Logger LOG = Logger.getLogger(ExceptionStatuses.class);

  private ExceptionStatuses() {}

  public static void write(Context<?> ctx, BoundaryException e, BoundaryExceptionStatus next) {
    if (StatusPatch.same(e.getStatus(), next)) {
      return;
    }
    try {
      ctx.getClient().resources(BoundaryException.class).withName(e.getMetadata().getName()).editStatus(fresh -> {
        fresh.setStatus(next);
        return fresh;
      });
    } catch (KubernetesClientException x) {
      LOG.debugf("BoundaryException %s: status not written (%s); the next pass tries again", e.getMetadata().getName(),
          x.getMessage());
    }
  }
}
