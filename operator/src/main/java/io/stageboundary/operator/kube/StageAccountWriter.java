package io.stageboundary.operator.kube;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountSpec;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import java.util.Collection;
import java.util.Map;

/** Keeps a stage's StageAccount objects equal to what its reconcile computed. */
public interface StageAccountWriter {
  /** One account's object as it should be. */
  record Desired(StageAccountSpec spec, StageAccountStatus status) {}

  /**
   * Creates, updates and deletes so the stage's objects match {@code desired} (account id to
   * object), comparing with {@code cached} so an unchanged account costs nothing.
   *
   * @return the number of objects written
   */
  int sync(Stage stage, Map<String, Desired> desired, Collection<StageAccount> cached);

  /** Deletes every StageAccount of the stage (the API server here has no garbage collector). */
  void deleteAll(String stageName);
}
