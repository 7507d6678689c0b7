package io.stageboundary.operator.api.v1alpha1.rules;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;

/**
 * Boundary statements several Stages share (spec.boundary.include), e.g. an organisation's
 * baseline, and the order in which a new revision of them is promoted through the stages, each
 * stage only after the one before has held it, healthy, for the soak time.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("brules")
@AdditionalPrinterColumn(name = "Revision", jsonPath = ".status.revision", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Promotion", jsonPath = ".status.summary", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class BoundaryRules extends CustomResource<BoundaryRulesSpec, BoundaryRulesStatus> {
  @Override
  protected BoundaryRulesStatus initStatus() {
    return null;
  }
}
