package io.stageboundary.operator.stage.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.BoundaryStackSets.StackSetView;
import io.stageboundary.operator.aws.BoundaryStackSets.Target;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.BoundaryTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RolloutPlannerTest {
  private final BoundaryDocument doc = render("p", "config:*");

  static BoundaryDocument render(String name, String deny) {
    try {
      return BoundaryDocument.render("s", new StageSpec.Boundary(name, List.of(new StageSpec.Statement(
          "D", StageSpec.Effect.Deny, List.of(deny), null, List.of("*"), null, null)), null), "aws");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private Optional<StackSetView> stackSet(BoundaryDocument d) {
    return Optional.of(new StackSetView("n", "id", BoundaryTemplate.render(d), "ACTIVE"));
  }

  private static InstanceView instance(String account, String ou, String status, String detailed) {
    return new InstanceView(account, "us-east-1", ou, status, detailed, null, "NOT_CHECKED", "op");
  }

  private static TreeMap<String, String> desired(String... accountOu) {
    TreeMap<String, String> m = new TreeMap<>();
    for (int i = 0; i < accountOu.length; i += 2) {
      m.put(accountOu[i], accountOu[i + 1]);
    }
    return m;
  }

  @Test
  void noStackSetIsCreatedWhileThereIsNothingToDeploy() {
    // every account held by a conflict: nothing may be written, not even an empty StackSet
    assertThat(RolloutPlanner.next(doc, Optional.empty(), List.of(), desired(), Set.of("1"), Map.of()))
        .isInstanceOf(RolloutPlanner.Converged.class);
  }

  @Test
  void createsTheStackSetFirstThenRollsOutANewRevisionBeforeAnythingElse() {
    assertThat(RolloutPlanner.next(doc, Optional.empty(), List.of(), desired("1", "ou-a"), Set.of(), Map.of()))
        .isInstanceOf(RolloutPlanner.CreateStackSet.class);
    RolloutPlanner.Step step = RolloutPlanner.next(doc, stackSet(render("p", "ec2:*")), List.of(),
        desired("1", "ou-a"), Set.of(), Map.of());
    assertThat(step).isInstanceOfSatisfying(RolloutPlanner.UpdateTemplate.class,
        u -> assertThat(u.toRevision()).isEqualTo(doc.revision()));
  }

  @Test
  void addsMissingAccountsThenRemovesLeaversThenRetriesFailures() {
    var instances = List.of(instance("1", "ou-a", "CURRENT", "SUCCEEDED"),
        instance("9", "ou-z", "CURRENT", "SUCCEEDED"), instance("3", "ou-a", "OUTDATED", "FAILED"));
    RolloutPlanner.Step create = RolloutPlanner.next(doc, stackSet(doc), instances,
        desired("1", "ou-a", "2", "ou-b", "3", "ou-a"), Set.of(), Map.of("9", "ou-y"));
    assertThat(create).isEqualTo(new RolloutPlanner.CreateInstances(List.of(new Target("2", "ou-b"))));

    var withTwo = new ArrayList<>(instances);
    withTwo.add(instance("2", "ou-b", "CURRENT", "SUCCEEDED"));
    RolloutPlanner.Step delete = RolloutPlanner.next(doc, stackSet(doc), withTwo,
        desired("1", "ou-a", "2", "ou-b", "3", "ou-a"), Set.of(), Map.of("9", "ou-y"));
    // the leaver moved from ou-z to ou-y: it is addressed through both
    assertThat(delete).isEqualTo(new RolloutPlanner.DeleteInstances(
        List.of(new Target("9", "ou-y"), new Target("9", "ou-z"))));

    RolloutPlanner.Step retry = RolloutPlanner.next(doc, stackSet(doc), withTwo.subList(0, 1),
        desired("1", "ou-a"), Set.of(), Map.of());
    assertThat(retry).isInstanceOf(RolloutPlanner.Converged.class);
    RolloutPlanner.Step retry2 = RolloutPlanner.next(doc, stackSet(doc),
        List.of(instance("1", "ou-a", "CURRENT", "SUCCEEDED"), instance("3", "ou-a", "OUTDATED", "FAILED")),
        desired("1", "ou-a", "3", "ou-a"), Set.of(), Map.of());
    assertThat(retry2).isEqualTo(new RolloutPlanner.RetryFailedInstances(List.of(new Target("3", "ou-a"))));
  }

  @Test
  void heldAccountsAreNeitherCreatedNorDeleted() {
    var instances = List.of(instance("5", "ou-a", "CURRENT", "SUCCEEDED"));
    assertThat(RolloutPlanner.next(doc, stackSet(doc), instances, desired(), Set.of("5"), Map.of()))
        .isInstanceOf(RolloutPlanner.Converged.class);
  }

  @Test
  void instancesStillDeployingAreNotRetried() {
    var instances = List.of(instance("1", "ou-a", "OUTDATED", "RUNNING"));
    assertThat(RolloutPlanner.next(doc, stackSet(doc), instances, desired("1", "ou-a"), Set.of(), Map.of()))
        .isInstanceOf(RolloutPlanner.Converged.class);
  }

  @Test
  void oneCallAddressesAtMostFiftyOus() {
    TreeMap<String, String> many = new TreeMap<>();
    for (int i = 0; i < 120; i++) {
      many.put(String.format("%012d", i), String.format("ou-abcd-%08d", i % 70));
    }
    RolloutPlanner.Step step = RolloutPlanner.next(doc, stackSet(doc), List.of(), many, Set.of(), Map.of());
    List<Target> targets = ((RolloutPlanner.CreateInstances) step).targets();
    assertThat(targets.stream().map(Target::organizationalUnitId).distinct()).hasSize(50);
    assertThat(targets).allSatisfy(t -> assertThat(many).containsEntry(t.accountId(), t.organizationalUnitId()));
  }
}
