package io.stageboundary.operator.stage.enforcement;

import com.fasterxml.jackson.databind.JsonNode;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.Boundary;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.RegionBootstrap;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BoundaryPolicies;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.policy.CanonicalPolicy;
import io.stageboundary.operator.stage.claims.ContestGuard;
import io.stageboundary.operator.stage.pass.Batches;
import io.stageboundary.operator.stage.pass.DriftReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

/**
 * Compares the boundary policy each account holds with the stage's rendered document, directly in
 * the account, and
 * under driftRemediation Reconcile restores it: an edited policy gets the rendered document as a
 * new default version, a deleted one is created again under the same name (so every role that
 * names it as boundary is covered again). CloudFormation does not undo such out-of-band changes
 * itself: re-applying an unchanged template changes nothing.
 *
 * <p>A check costs one call (GetPolicyVersion of the version expected to be the default, confirmed
 * by IAM's IsDefaultVersion) when that version can be foreseen: the one seen last time at the same
 * revision, the next one after the StackSet updated the policy, v1 for a policy it has just
 * created. Otherwise, or when IAM says another version is the default, GetPolicy tells which (two
 * calls; three after a wrong guess). What was seen is kept in memory only: after a restart, a policy
 * checked before costs two calls at its first check.
 */
public final class BoundaryVerifier {
  private final ExecutorService pool;
  private final int batch;
  private final Schedule schedule;
  private final ContestGuard contest;
  /** Per policy ARN, the default version seen at the last check, and at which revision. */
  private final Map<String, Seen> versions = new java.util.concurrent.ConcurrentHashMap<>();

  private record Seen(String revision, String versionId) {}

  public BoundaryVerifier(ExecutorService pool, int concurrency, Schedule schedule) {
    this.pool = pool;
    this.batch = Batches.perPass(concurrency);
    this.schedule = schedule;
    this.contest = new ContestGuard(schedule);
  }

  /**
   * Per account the boundary as found (or repaired), the drift found, whether work is left, and the
   * accounts whose member role STS refused (with what it said): those are left alone.
   */
  public record Outcome(Map<String, Boundary> boundaries, Map<String, DriftReason> detected,
      List<String> repaired, boolean moreWork, Map<String, Unreachable> unreachable) {
    public static Outcome none() {
      return new Outcome(Map.of(), Map.of(), List.of(), false, Map.of());
    }

    /** Both outcomes, for accounts checked apart. */
    public Outcome with(Outcome other) {
      Map<String, Boundary> b = new LinkedHashMap<>(boundaries);
      b.putAll(other.boundaries);
      Map<String, DriftReason> d = new LinkedHashMap<>(detected);
      d.putAll(other.detected);
      List<String> r = new ArrayList<>(repaired);
      r.addAll(other.repaired);
      Map<String, Unreachable> u = new LinkedHashMap<>(unreachable);
      u.putAll(other.unreachable);
      return new Outcome(b, d, r, moreWork || other.moreWork, u);
    }
  }

  /** An account whose member role STS refused: what it said, and when the session tries again. */
  public record Unreachable(String refused, Instant retryAt) {}

  /**
   * @param accounts accounts whose instance is current at the stage's revision
   * @param previous what the StageAccount objects last reported
   * @param forced accounts to check now whatever the interval (StackSet drift detection flagged them)
   * @param roles the accounts' CDK roles' last checks, per region: a policy's check at rest keeps
   *     together with them ({@link ChecksAtRest})
   * @param sessionsEnding accounts whose member session ends before the next pass: their checks
   *     at rest come along on it ({@link ChecksAtRest#sessionsEnding})
   */
  public Outcome verify(BoundaryDocument doc, Collection<String> accounts, Map<String, Boundary> previous,
      Duration interval, Set<String> forced, Map<String, List<RegionBootstrap>> roles, Set<String> sessionsEnding,
      boolean remediate, Function<String, BoundaryPolicies> policies) {
    Instant now = schedule.now();
    Set<String> company = ChecksAtRest.inCompany(previous, roles, sessionsEnding, interval, now);
    Map<String, Boundary> out = new LinkedHashMap<>();
    List<String> due = new ArrayList<>();
    for (String account : accounts) {
      Boundary last = previous.get(account);
      boolean fresh = last != null && last.lastChecked() != null && doc.revision().equals(last.revision())
          && !ChecksAtRest.due(last.lastChecked(), interval, now)
          && !(company.contains(account) && ChecksAtRest.comesAlong(last.lastChecked(), interval, now));
      boolean settled = last != null && (last.state() == State.CURRENT
          || (last.state() == State.DRIFTED && !remediate));
      if (fresh && settled && !forced.contains(account)) {
        out.put(account, last);
      } else {
        due.add(account);
      }
    }
    List<String> nowDue = due.subList(0, Math.min(batch, due.size()));
    Map<String, Checked> checked = Batches.run(pool, nowDue, account -> check(doc, account,
        previous.get(account), forced.contains(account), remediate, policies.apply(account), interval));
    Map<String, DriftReason> detected = new LinkedHashMap<>();
    List<String> repaired = new ArrayList<>();
    Map<String, Unreachable> unreachable = new LinkedHashMap<>();
    boolean more = due.size() > nowDue.size();
    for (Map.Entry<String, Checked> e : checked.entrySet()) {
      Boundary b = e.getValue() == null ? null : e.getValue().boundary();
      if (e.getValue() != null && e.getValue().refused() != null) {
        unreachable.put(e.getKey(), e.getValue().refused());
      }
      if (b == null) {
        more = true;  // transient AWS failure: keep what was known, look again soon
        Boundary last = previous.get(e.getKey());
        if (last != null) {
          out.put(e.getKey(), last);
        }
        continue;
      }
      out.put(e.getKey(), b);
      DriftReason.of(b.driftReason()).ifPresent(reason -> {
        detected.put(e.getKey(), reason);
        if (b.state() == State.CURRENT) {
          repaired.add(e.getKey() + " (" + reason + ")");
        }
      });
    }
    return new Outcome(out, detected, repaired, more, unreachable);
  }

  /**
   * The version id likely to be the default now (see the class comment), or null when it cannot be
   * foreseen: a policy checked before this process started.
   */
  String likelyVersion(String arn, String revision, Boundary last) {
    Seen seen = versions.get(arn);
    if (seen == null) {
      return last == null || last.lastChecked() == null ? "v1" : null;
    }
    return seen.revision().equals(revision) ? seen.versionId() : next(seen.versionId());
  }

  /** IAM numbers a policy's versions v1, v2 … and never reuses one. */
  static String next(String versionId) {
    try {
      return "v" + (Integer.parseInt(versionId.substring(1)) + 1);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * How old a read of an account's whole IAM may be to serve a check at rest: half the check
   * interval, so a check never answers with what the one before saw. The read itself is kept for
   * a few minutes at most (the passes that check one account's policy and roles), whatever this
   * allows.
   */
  public static Duration readAge(Duration interval) {
    return interval.dividedBy(2);
  }

  /** One account's check: the boundary found, and what STS said if it refused the member role. */
  private record Checked(Boundary boundary, Unreachable refused) {}

  private Checked check(BoundaryDocument doc, String account, Boundary last, boolean stackSetSaysDrifted,
      boolean remediate, BoundaryPolicies policies, Duration interval) {
    String arn = doc.policyArn(account);
    JsonNode wanted = doc.documentFor(account);
    String checked = schedule.stamp();
    try {
      // at rest (it held this revision when last checked) one read of the account's IAM serves this
      // check and its CDK roles' (BoundaryPolicies#recentDefaultVersion); otherwise it is asked now
      boolean atRest = last != null && last.state() == State.CURRENT && doc.revision().equals(last.revision())
          && !stackSetSaysDrifted;
      var live = atRest ? policies.recentDefaultVersion(arn, readAge(interval))
          : policies.defaultVersion(arn, likelyVersion(arn, doc.revision(), last));
      live.ifPresentOrElse(v -> versions.put(arn, new Seen(doc.revision(), v.id())), () -> versions.remove(arn));
      DriftReason reason;
      String what;
      if (live.isEmpty()) {
        reason = DriftReason.PolicyDeleted;
        what = "the policy was deleted outside the operator";
      } else if (!CanonicalPolicy.sameDocument(CanonicalPolicy.parse(live.get().document()), wanted)) {
        reason = DriftReason.PolicyModified;
        what = "the policy's default version differs from revision " + doc.revision()
            + " (it was edited outside the operator)";
      } else if (stackSetSaysDrifted) {
        return new Checked(new Boundary(State.DRIFTED, doc.revision(), null, "StackSet drift detection reports the "
            + "stack instance DRIFTED although the policy document matches", checked,
            DriftReason.StackSetDrifted.name()), null);
      } else {
        return new Checked(new Boundary(State.CURRENT, doc.revision(), "CURRENT", null, checked, null), null);
      }
      if (!remediate) {
        return new Checked(new Boundary(State.DRIFTED, doc.revision(), null, what
            + "; driftRemediation is Report: not changed", checked, reason.name()), null);
      }
      String resource = doc.stageName() + "|" + doc.revision() + "|" + account;
      java.util.Optional<Instant> spent = contest.spentUntil(resource);
      if (spent.isPresent()) {
        return new Checked(new Boundary(State.DRIFTED, doc.revision(), null, ContestGuard.message("the policy " + arn,
            spent.get()), checked, DriftReason.ContestedByAnotherWriter.name()), null);
      }
      contest.wrote(resource);
      if (reason == DriftReason.PolicyDeleted) {
        policies.recreate(doc.policyName(), "Permissions boundary of stage " + doc.stageName()
            + " (stage-boundary-operator)", wanted.toString());
      } else {
        policies.restoreDocument(arn, wanted.toString());
        versions.put(arn, new Seen(doc.revision(), next(live.get().id())));
      }
      return new Checked(new Boundary(State.CURRENT, doc.revision(), "CURRENT", "repaired at " + checked + ": " + what,
          checked, reason.name()), null);
    } catch (AwsFailure f) {
      if (f.kind().transientFailure()) {
        return null;  // transient: keep what was known, look again soon
      }
      if (f.kind() == AwsFailure.Kind.MEMBER_ROLE_UNAVAILABLE) {
        return new Checked(new Boundary(State.FAILED, last == null ? null : last.revision(), null,
            "cannot reach the account: " + f.getMessage(), checked, null),
            new Unreachable(f.getMessage(), f.retryAt().orElse(schedule.now().plus(schedule.pollInterval()))));
      }
      return new Checked(new Boundary(State.FAILED, doc.revision(), null, "cannot verify the policy: " + f.getMessage(),
          checked, null), null);
    }
  }
}
