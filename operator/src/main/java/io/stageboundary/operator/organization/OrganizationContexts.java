package io.stageboundary.operator.organization;

import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationSpec;
import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganizationSpec.CallAs;
import io.stageboundary.operator.aws.AccessKeys;
import io.stageboundary.operator.aws.AwsConnector;
import io.stageboundary.operator.aws.Connection;
import io.stageboundary.operator.kube.Secrets;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link OrganizationContext} per AwsOrganization, rebuilt when its spec (generation) or its
 * credentials Secret changes. Shared by the AwsOrganization and Stage controllers.
 */
public final class OrganizationContexts implements Organizations, AutoCloseable {
  private final Secrets secrets;
  private final AwsConnector connector;
  private final Clock clock;
  private final Map<String, OrganizationContext> byName = new ConcurrentHashMap<>();

  public OrganizationContexts(Secrets secrets, AwsConnector connector, Clock clock) {
    this.secrets = secrets;
    this.connector = connector;
    this.clock = clock;
  }

  @Override
  public OrganizationContext get(AwsOrganization org) throws CredentialsUnavailable {
    AwsOrganizationSpec.Credentials creds = org.getSpec().credentialsOrDefault();
    Optional<Secrets.Read> secret = Optional.empty();
    if (creds.sourceOrDefault() == AwsOrganizationSpec.Credentials.Source.Secret) {
      secret = Optional.of(readSecret(creds.secretRef()));
    }
    String key = org.getMetadata().getUid() + "/" + org.getMetadata().getGeneration() + "/"
        + secret.map(Secrets.Read::resourceVersion).orElse("-");
    String name = org.getMetadata().getName();
    OrganizationContext current = byName.get(name);
    if (current != null && current.key().equals(key)) {
      return current;
    }
    OrganizationContext fresh = new OrganizationContext(key, connector.connect(connection(org, secret)),
        org.getSpec().refreshIntervalOrDefault(), clock);
    OrganizationContext old = byName.put(name, fresh);
    if (old != null) {
      old.close();
    }
    return fresh;
  }

  @Override
  public void forget(String organizationName) {
    OrganizationContext old = byName.remove(organizationName);
    if (old != null) {
      old.close();
    }
  }

  private Secrets.Read readSecret(AwsOrganizationSpec.SecretRef ref) throws CredentialsUnavailable {
    try {
      return secrets.read(ref.namespace(), ref.name()).orElseThrow(() -> new CredentialsUnavailable("Secret "
          + ref.namespace() + "/" + ref.name() + " named in spec.credentials.secretRef does not exist"));
    } catch (Secrets.Forbidden e) {
      throw new CredentialsUnavailable("the operator may not read Secret " + ref.namespace()
          + "/" + ref.name() + " named in spec.credentials.secretRef: list it under "
          + "credentialsSecrets in the Helm values (the chart grants read access to those Secrets only)");
    }
  }

  private static Connection connection(AwsOrganization org, Optional<Secrets.Read> secret)
      throws CredentialsUnavailable {
    AwsOrganizationSpec spec = org.getSpec();
    Optional<AccessKeys> keys = Optional.empty();
    if (secret.isPresent()) {
      Map<String, String> v = secret.get().values();
      if (v.get("accessKeyId") == null || v.get("secretAccessKey") == null) {
        AwsOrganizationSpec.SecretRef ref = spec.credentialsOrDefault().secretRef();
        throw new CredentialsUnavailable("Secret " + ref.namespace() + "/" + ref.name()
            + " needs the keys accessKeyId and secretAccessKey");
      }
      keys = Optional.of(new AccessKeys(v.get("accessKeyId"), v.get("secretAccessKey"), v.get("sessionToken")));
    }
    Map<String, URI> endpoints = new LinkedHashMap<>();
    AwsOrganizationSpec.Endpoints e = spec.endpointsOrEmpty();
    put(endpoints, "organizations", e.organizations());
    put(endpoints, "cloudformation", e.cloudformation());
    put(endpoints, "sts", e.sts());
    put(endpoints, "iam", e.iam());
    put(endpoints, "ssm", e.ssm());
    return new Connection(spec.region(), keys, spec.credentialsOrDefault().roleArn(),
        spec.credentialsOrDefault().externalId(), spec.memberRoleNameOrDefault(), endpoints,
        spec.callAsOrDefault() == CallAs.DELEGATED_ADMIN);
  }

  private static void put(Map<String, URI> endpoints, String service, String url) {
    if (url != null && !url.isBlank()) {
      endpoints.put(service, URI.create(url));
    }
  }

  @Override
  public void close() {
    byName.values().forEach(OrganizationContext::close);
    byName.clear();
    connector.close();
  }
}
