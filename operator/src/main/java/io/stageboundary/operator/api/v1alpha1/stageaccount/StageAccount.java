package io.stageboundary.operator.api.v1alpha1.stageaccount;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;

/**
 * The truth about one account of a Stage: its boundary state (and, later, bootstrap and drift).
 * Created and written only by the operator, owned by its Stage, named {@code <stage>.<account>}.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("stgacct")
@AdditionalPrinterColumn(name = "Stage", jsonPath = ".spec.stage", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Account", jsonPath = ".spec.accountId", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Account Name", jsonPath = ".spec.accountName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Boundary", jsonPath = ".status.boundary.state", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Bootstrap", jsonPath = ".status.bootstrapState", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.boundary.message", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class StageAccount extends CustomResource<StageAccountSpec, StageAccountStatus> {
  @Override
  protected StageAccountStatus initStatus() {
    return null;
  }

  public static String nameFor(String stage, String accountId) {
    return stage + "." + accountId;
  }
}
