package io.stageboundary.operator.api.v1alpha1.organization;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;

/**
 * How the operator reaches an AWS Organization: home region, credentials, whether it acts as the
 * management account or a delegated administrator, and the role it assumes in member accounts.
 * Cluster-scoped: it governs AWS accounts, not a namespace.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("awsorg")
@AdditionalPrinterColumn(name = "Region", jsonPath = ".spec.region", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Call As", jsonPath = ".spec.callAs", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Organization", jsonPath = ".status.organizationId", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Accounts", jsonPath = ".status.accounts", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class AwsOrganization extends CustomResource<AwsOrganizationSpec, AwsOrganizationStatus> {
  @Override
  protected AwsOrganizationStatus initStatus() {
    return null;
  }
}
