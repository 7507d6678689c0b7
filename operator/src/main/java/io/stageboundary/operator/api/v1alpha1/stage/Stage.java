package io.stageboundary.operator.api.v1alpha1.stage;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;

/**
 * One stage of the organisation (dev, beta, prod …): its permissions boundary, the accounts it
 * covers, and how changes roll out. The operator keeps every account of the stage deployed and
 * reports per-account truth in StageAccount objects.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("stg")
@ValidationRule(value = "self.metadata.name.matches('" + ApiGroup.DNS_LABEL + "')",
    message = "a Stage name must be a DNS label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Policy", jsonPath = ".spec.boundary.policyName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Targeted", jsonPath = ".status.accounts.targeted", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Current", jsonPath = ".status.accounts.boundaryCurrent", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Bootstrapped", jsonPath = ".status.accounts.bootstrapped", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Drifted", jsonPath = ".status.accounts.drifted", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Excepted", jsonPath = ".status.accounts.excepted", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Enforced", jsonPath = ".status.conditions[?(@.type==\"Enforced\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Guarded", jsonPath = ".status.conditions[?(@.type==\"Guarded\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Stage extends CustomResource<StageSpec, StageStatus> {
  /** The BoundaryRules this Stage includes (spec.boundary.include), by name. */
  public java.util.Set<String> includedRules() {
    return getSpec() == null || getSpec().boundary() == null ? java.util.Set.of()
        : getSpec().boundary().includeOrEmpty().stream().map(StageSpec.Include::name)
            .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
  }

  @Override
  protected StageStatus initStatus() {
    return null;
  }
}
