package io.stageboundary.operator.api.v1alpha1.exception;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;

/**
 * One Deny statement (or a few) of a Stage's boundary lifted in named accounts until a time: asked
 * for with a reason and a reference, gone by itself at {@code expiresAt}, and at once when deleted.
 * A kind of its own so that who may create exceptions is an RBAC decision apart from who may edit Stages.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("bex")
@AdditionalPrinterColumn(name = "Stage", jsonPath = ".spec.stage", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Statements", jsonPath = ".spec.statements", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Accounts", jsonPath = ".spec.accounts", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Expires", jsonPath = ".spec.expiresAt", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "BreakGlass", jsonPath = ".spec.breakGlass", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class BoundaryException extends CustomResource<BoundaryExceptionSpec, BoundaryExceptionStatus> {
  @Override
  protected BoundaryExceptionStatus initStatus() {
    return null;
  }
}
