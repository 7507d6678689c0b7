package io.stageboundary.operator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** Kubernetes events on our objects: one for every AWS write and its outcome. */
public interface Events {
  void normal(HasMetadata about, EventReason reason, String message);

  /** A warning; the same one is not repeated within a quiet period. */
  void warning(HasMetadata about, EventReason reason, String message);
}
