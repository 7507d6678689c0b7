package io.stageboundary.operator.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationSpec;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationSpec.CallAs;
import io.stageboundary.operator.aws.AwsAccess;
import io.stageboundary.operator.aws.AwsSettings;
import io.stageboundary.operator.aws.SdkBoundaryStackSets;
import io.stageboundary.operator.aws.SdkOrganizationDirectory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;

/**
 * One {@link OrganizationContext} per AwsOrganization, rebuilt when its spec (generation) or its
 * credentials Secret changes. Shared by the AwsOrganization and Stage reconcilers.
 */
public final class OrganizationContexts implements AutoCloseable {
  private final KubernetesClient client;
  private final OperatorSettings settings;
  private final MeterRegistry registry;
  private final SdkHttpClient http;
  private final Map<String, OrganizationContext> byName = new ConcurrentHashMap<>();

  public OrganizationContexts(KubernetesClient client, OperatorSettings settings, MeterRegistry registry) {
    this.client = client;
    this.settings = settings;
    this.registry = registry;
    // One pool for every organisation and member session: connections are reused across accounts.
    this.http = ApacheHttpClient.builder().maxConnections(64).build();
  }

  /** Credentials that cannot be loaded (a missing or incomplete Secret): needs a human. */
  public static final class CredentialsUnavailable extends Exception {
    CredentialsUnavailable(String message) {
      super(message);
    }
  }

  public OrganizationContext get(AwsOrganization org) throws CredentialsUnavailable {
    AwsOrganizationSpec spec = org.getSpec();
    AwsOrganizationSpec.Credentials creds = spec.credentialsOrDefault();
    Secret secret = null;
    if (creds.sourceOrDefault() == AwsOrganizationSpec.Credentials.Source.Secret) {
      try {
        secret = client.secrets().inNamespace(creds.secretRef().namespace())
            .withName(creds.secretRef().name()).get();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 403) {
          throw e;
        }
        throw new CredentialsUnavailable("the operator may not read Secret " + creds.secretRef().namespace()
            + "/" + creds.secretRef().name() + " named in spec.credentials.secretRef: list it under "
            + "credentialsSecrets in the Helm values (the chart grants read access to those Secrets only)");
      }
      if (secret == null) {
        throw new CredentialsUnavailable("Secret " + creds.secretRef().namespace() + "/"
            + creds.secretRef().name() + " named in spec.credentials.secretRef does not exist");
      }
    }
    String key = OrganizationContext.keyOf(org, secret == null ? "-" : secret.getMetadata().getResourceVersion());
    String name = org.getMetadata().getName();
    OrganizationContext current = byName.get(name);
    if (current != null && current.key().equals(key)) {
      return current;
    }
    OrganizationContext fresh = build(org, key, secret);
    OrganizationContext old = byName.put(name, fresh);
    if (old != null) {
      old.close();
    }
    return fresh;
  }

  public void forget(String organizationName) {
    OrganizationContext old = byName.remove(organizationName);
    if (old != null) {
      old.close();
    }
  }

  private OrganizationContext build(AwsOrganization org, String key, Secret secret)
      throws CredentialsUnavailable {
    AwsOrganizationSpec spec = org.getSpec();
    AwsCredentialsProvider base = secret == null ? settings.defaultCredentials().get() : fromSecret(secret);
    Map<String, URI> endpoints = new LinkedHashMap<>();
    AwsOrganizationSpec.Endpoints e = spec.endpointsOrEmpty();
    put(endpoints, "organizations", e.organizations());
    put(endpoints, "cloudformation", e.cloudformation());
    put(endpoints, "sts", e.sts());
    put(endpoints, "iam", e.iam());
    put(endpoints, "ssm", e.ssm());
    settings.defaultEndpoint().ifPresent(d -> {
      for (String svc : new String[] {"organizations", "cloudformation", "sts", "iam", "ssm"}) {
        endpoints.putIfAbsent(svc, d);
      }
    });
    AwsSettings aws = new AwsSettings(spec.region(), base, spec.credentialsOrDefault().roleArn(),
        spec.credentialsOrDefault().externalId(), spec.memberRoleNameOrDefault(), endpoints,
        settings.awsMaxAttempts());
    AwsAccess access = new AwsAccess(aws, http, registry);
    return new OrganizationContext(key, access, new SdkOrganizationDirectory(access),
        new SdkBoundaryStackSets(access::cloudFormation, spec.callAsOrDefault() == CallAs.DELEGATED_ADMIN),
        spec.refreshIntervalOrDefault(), settings.clock());
  }

  private static void put(Map<String, URI> endpoints, String service, String url) {
    if (url != null && !url.isBlank()) {
      endpoints.put(service, URI.create(url));
    }
  }

  private static AwsCredentialsProvider fromSecret(Secret secret) throws CredentialsUnavailable {
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    String id = decode(data.get("accessKeyId"));
    String key = decode(data.get("secretAccessKey"));
    String token = decode(data.get("sessionToken"));
    if (id == null || key == null) {
      throw new CredentialsUnavailable("Secret " + secret.getMetadata().getNamespace() + "/"
          + secret.getMetadata().getName() + " needs the keys accessKeyId and secretAccessKey");
    }
    return StaticCredentialsProvider.create(token == null ? AwsBasicCredentials.create(id, key)
        : AwsSessionCredentials.create(id, key, token));
  }

  private static String decode(String b64) {
    return b64 == null ? null : new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8).strip();
  }

  @Override
  public void close() {
    byName.values().forEach(OrganizationContext::close);
    byName.clear();
    http.close();
  }
}
