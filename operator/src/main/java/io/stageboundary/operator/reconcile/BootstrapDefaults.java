package io.stageboundary.operator.reconcile;

/** CDK bootstrap defaults the operator relies on. */
public final class BootstrapDefaults {
  /** The qualifier `cdk bootstrap` uses unless told otherwise. */
  public static final String QUALIFIER = "hnb659fds";

  private BootstrapDefaults() {}
}
