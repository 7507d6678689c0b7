package io.stageboundary.operator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * An informer cache that does not keep {@code metadata.managedFields}: the API server's record of
 * which field manager set which field, as large as the status itself for a StageAccount and never
 * read by the operator (it writes with server-side apply from objects it builds, and patches
 * status from fresh ones). With thousands of StageAccounts cached this is a large share of the
 * heap (docs/benchmarks.md).
 */
public final class LeanItemStore<T extends HasMetadata> extends BasicItemStore<T> {
  public LeanItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public T put(String key, T obj) {
    if (obj.getMetadata() != null) {
      obj.getMetadata().setManagedFields(null);
    }
    return super.put(key, obj);
  }
}
