package io.stageboundary.operator.kube;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Reads a Secret by name (the chart grants read access to the named ones only). */
public final class Secrets {
  private final KubernetesClient client;

  public Secrets(KubernetesClient client) {
    this.client = client;
  }

  /** RBAC does not let the operator read the Secret. */
  public static final class Forbidden extends Exception {
    Forbidden() {
      super("forbidden");
    }
  }

  /** A Secret's values, decoded and stripped, and the resourceVersion they were read at. */
  public record Read(String resourceVersion, Map<String, String> values) {
    @Override
    public String toString() {
      return "Secret values at resourceVersion " + resourceVersion + " (redacted)";
    }
  }

  /** Empty when there is no such Secret. */
  public Optional<Read> read(String namespace, String name) throws Forbidden {
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403) {
        throw new Forbidden();
      }
      throw e;
    }
    if (secret == null) {
      return Optional.empty();
    }
    Map<String, String> values = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> values.put(k,
          new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8).strip()));
    }
    return Optional.of(new Read(secret.getMetadata().getResourceVersion(), values));
  }
}
