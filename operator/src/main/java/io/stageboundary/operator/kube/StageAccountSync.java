package io.stageboundary.operator.kube;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.stageboundary.operator.api.v1alpha1.ApiGroup;
import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccount;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountSpec;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Makes the StageAccount objects of a stage match what the reconciler computed: creates the
 * missing ones (owned by the Stage, labelled with stage and account), updates only what changed
 * (compared with the informer cache, so an unchanged account costs no API call), and deletes
 * those of accounts that left. Writes run on a small pool; a slow API server never blocks AWS work.
 */
public final class StageAccountSync implements StageAccountWriter {
  static final PatchContext SSA = new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
      .withFieldManager(ApiGroup.MANAGED_BY).withForce(true).build();
  private final KubernetesClient client;
  private final ExecutorService writers;

  public StageAccountSync(KubernetesClient client, ExecutorService writers) {
    this.client = client;
    this.writers = writers;
  }

  @Override
  public int sync(Stage stage, Map<String, Desired> desired, Collection<StageAccount> cached) {
    Map<String, StageAccount> existing = cached.stream()
        .collect(Collectors.toMap(a -> a.getMetadata().getName(), Function.identity(), (a, b) -> a));
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    String stageName = stage.getMetadata().getName();
    desired.forEach((account, want) -> {
      String name = StageAccount.nameFor(stageName, account);
      StageAccount have = existing.remove(name);
      if (have == null || !Objects.equals(have.getSpec(), want.spec())) {
        writes.add(CompletableFuture.runAsync(() -> upsert(stage, name, want), writers));
      } else if (!Objects.equals(have.getStatus(), want.status())) {
        writes.add(CompletableFuture.runAsync(() -> patchStatus(name, want.status()), writers));
      }
    });
    for (StageAccount gone : existing.values()) {
      writes.add(CompletableFuture.runAsync(() -> client.resources(StageAccount.class)
          .withName(gone.getMetadata().getName()).delete(), writers));
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
    return writes.size();
  }

  @Override
  public void deleteAll(String stageName) {
    client.resources(StageAccount.class).withLabel(ApiGroup.STAGE_LABEL, stageName).delete();
  }

  private void upsert(Stage stage, String name, Desired want) {
    StageAccount a = new StageAccount();
    a.getMetadata().setName(name);
    a.getMetadata().setLabels(Map.of(
        ApiGroup.STAGE_LABEL, stage.getMetadata().getName(),
        ApiGroup.ACCOUNT_LABEL, want.spec().accountId(),
        ApiGroup.MANAGED_BY_LABEL, ApiGroup.MANAGED_BY));
    a.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion(stage.getApiVersion()).withKind(stage.getKind())
        .withName(stage.getMetadata().getName()).withUid(stage.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true).build()));
    a.setSpec(want.spec());
    client.resource(a).fieldManager(ApiGroup.MANAGED_BY).forceConflicts().serverSideApply();
    patchStatus(name, want.status());
  }

  private void patchStatus(String name, StageAccountStatus status) {
    StageAccount a = new StageAccount();
    a.getMetadata().setName(name);
    a.setStatus(status);
    try {
      client.resource(a).subresource("status").patch(SSA);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }
}
