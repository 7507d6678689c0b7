package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.operator.kube.EventReason;
import io.stageboundary.operator.kube.Events;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.stage.enforcement.BoundaryVerifier;
import io.stageboundary.operator.stage.pass.Observation;
import io.stageboundary.operator.stage.pass.StageInputs;
import io.stageboundary.operator.stage.pass.Text;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/**
 * Which accounts' policies the stage takes over ({@code spec.boundary.adoptExisting}): targeted
 * accounts where CloudFormation could not create the stage's policy because one of that name was
 * made outside the StackSet (the instance failed so), or that were taken over before (their
 * StageAccount says so). CloudFormation cannot own such a policy, so the StackSet leaves these
 * accounts alone (their instance is neither retried nor deleted) and the operator keeps the
 * policy's document directly, as it repairs drift ({@link #takeOver}); see docs/architecture.md,
 * "Taking over a policy made by hand".
 */
final class Adoption {
  private static final Logger LOG = Logger.getLogger(Adoption.class);
  private final BoundaryVerifier verifier;
  private final Events events;

  Adoption(BoundaryVerifier verifier, Events events) {
    this.verifier = verifier;
    this.events = events;
  }

  /** The accounts whose policy the stage takes over (see the class comment). */
  static Set<String> accounts(StageInputs in, BoundaryDocument doc, Observation seen) {
    Set<String> out = new TreeSet<>();
    if (!in.stage().getSpec().boundary().adoptsExisting()) {
      return out;
    }
    Map<String, InstanceView> instances = seen.instancesByAccount();
    Map<String, StageAccountStatus.Boundary> last = in.lastReported(StageAccountStatus::boundary);
    for (String account : seen.deployTo().keySet()) {
      InstanceView i = instances.get(account);
      boolean taken = i != null && i.failed() && i.statusReason() != null
          && takenName(i.statusReason(), doc.policyName());
      boolean before = last.get(account) != null && last.get(account).takenOver() && (i == null || !i.current());
      if (taken || before) {
        out.add(account);
      }
    }
    return out;
  }

  /** The accounts the StackSet deploys to: all but those taken over. */
  static SortedMap<String, String> deployTo(Observation seen, Set<String> adopted) {
    SortedMap<String, String> out = new TreeMap<>(seen.deployTo());
    adopted.forEach(out::remove);
    return out;
  }

  /**
   * The accounts whose policy the stage takes over: checked directly, as drift checks are, and
   * given the stage's document where it does not hold this revision yet, whatever driftRemediation
   * says (that is the rollout for them: the manifest asked for it); once it does, later edits
   * follow driftRemediation like any other drift. Nothing is written to a suspended stage. At rest
   * its checks keep company with the account's roles and session as any other's ({@code roles},
   * {@code sessionsEnding}: see ChecksAtRest).
   */
  BoundaryVerifier.Outcome takeOver(StageInputs in, BoundaryDocument doc, Set<String> adopted,
      Map<String, StageAccountStatus.Boundary> previous, Map<String, List<RegionBootstrap>> roles,
      Set<String> sessionsEnding, boolean remediate, OrganizationAws aws) {
    StageSpec spec = in.stage().getSpec();
    if (adopted.isEmpty()) {
      return BoundaryVerifier.Outcome.none();
    }
    List<String> rollOut = new ArrayList<>();
    List<String> settled = new ArrayList<>();
    for (String account : adopted) {
      StageAccountStatus.Boundary last = previous.get(account);
      boolean holds = last != null && last.takenOver() && doc.revision().equals(last.revision())
          && last.state() == State.CURRENT;
      (holds ? settled : rollOut).add(account);
    }
    BoundaryVerifier.Outcome first = verifier.verify(doc, rollOut, previous, spec.driftCheckIntervalOrDefault(),
        Set.copyOf(rollOut), Map.of(), Set.of(), !spec.suspended(), aws::policies);
    BoundaryVerifier.Outcome later = verifier.verify(doc, settled, previous, spec.driftCheckIntervalOrDefault(),
        Set.of(), roles, sessionsEnding, remediate, aws::policies);
    // writing the stage's document to a policy it takes over is its rollout there, not a repair of drift
    List<String> takenOver = first.boundaries().entrySet().stream()
        .filter(e -> e.getValue().state() == State.CURRENT && e.getValue().driftReason() != null)
        .map(Map.Entry::getKey).toList();
    String note = "taken over (spec.boundary.adoptExisting): made outside this stage's StackSet, so the operator "
        + "keeps its document at the stage's revision directly; it is never deleted by the operator";
    Map<String, StageAccountStatus.Boundary> boundaries = new LinkedHashMap<>();
    first.boundaries().forEach((a, b) -> boundaries.put(a, new StageAccountStatus.Boundary(b.state(), b.revision(),
        null, b.state() == State.CURRENT ? null : b.message(), b.lastChecked(), null).asAdopted(note)));
    later.boundaries().forEach((a, b) -> boundaries.put(a, b.asAdopted(note)));
    Map<String, BoundaryVerifier.Unreachable> unreachable = new LinkedHashMap<>(first.unreachable());
    unreachable.putAll(later.unreachable());
    BoundaryVerifier.Outcome both = new BoundaryVerifier.Outcome(boundaries, later.detected(), later.repaired(),
        first.moreWork() || later.moreWork(), unreachable);
    if (!takenOver.isEmpty()) {
      String msg = "took over the policy " + doc.policyName() + ", made outside the StackSet, in "
          + takenOver.size() + " account(s): its document is now the stage's (revision " + doc.revision() + "): "
          + Text.abbreviate(takenOver, 10);
      events.normal(in.stage(), EventReason.PolicyAdopted, msg);
      LOG.infof("stage %s: %s", in.name(), msg);
    }
    return both;
  }

  /** CloudFormation's and IAM's words for a name already in use ("A policy called X already exists"). */
  static boolean takenName(String reason, String policyName) {
    String r = reason.toLowerCase(Locale.ROOT);
    return (r.contains("already exists") || r.contains("entityalreadyexists") || r.contains("alreadyexists"))
        && (r.contains(policyName.toLowerCase(Locale.ROOT)) || r.contains("policy"));
  }
}
