package io.stageboundary.operator.api.v1alpha1;

/** Names shared by the operator's custom resources. */
public final class ApiGroup {
  public static final String GROUP = "iam.stageboundary.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** Label on every StageAccount: the Stage it belongs to. */
  public static final String STAGE_LABEL = GROUP + "/stage";
  /** Label on every StageAccount: the AWS account id. */
  public static final String ACCOUNT_LABEL = GROUP + "/account";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "stage-boundary-operator";
  public static final String FINALIZER = GROUP + "/cleanup";
  /** The annotation that approves a Stage's plan (spec.rollout.approval: Manual): its value is the plan id. */
  public static final String APPROVE_ANNOTATION = GROUP + "/approve";

  /** A DNS label, which keeps StackSet and StageAccount names derived from it valid. */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
  public static final String ACCOUNT_ID = "^[0-9]{12}$";
  public static final String OU_OR_ROOT_ID = "^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$";
  public static final String REGION = "^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$";
  /** IAM names of policies and roles: letters, digits and +=,.@_- (the IAM API's pattern). */
  public static final String IAM_NAME = "^[\\w+=,.@-]{1,128}$";

  private ApiGroup() {}
}
