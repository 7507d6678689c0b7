package io.stageboundary.operator.organization;

import io.stageboundary.operator.api.v1alpha1.organization.AwsOrganization;

/** How a controller reaches an AwsOrganization's AWS side; unit tests give a context over fakes. */
public interface Organizations {
  OrganizationContext get(AwsOrganization org) throws CredentialsUnavailable;

  /** Drops what is held for a deleted AwsOrganization. */
  void forget(String organizationName);
}
