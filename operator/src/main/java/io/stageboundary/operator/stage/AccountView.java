package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.stage.Stage;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountSpec;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.BootstrapState;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus.State;
import io.stageboundary.operator.api.v1alpha1.stageaccount.StageAccountStatus;
import io.stageboundary.operator.aws.BoundaryStackSets.InstanceView;
import io.stageboundary.operator.aws.BoundaryStackSets.Target;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.operator.kube.StageAccountWriter.Desired;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner;
import io.stageboundary.operator.stage.enforcement.EnforcementCheck;
import io.stageboundary.operator.stage.pass.BlockedReason;
import io.stageboundary.operator.stage.pass.DriftReason;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/** Each account's state and the StageAccount object that reports it; every change makes a new view. */
record AccountView(Map<String, State> states, Map<String, Desired> objects) {

  /** What the StackSet says of each targeted account, and the conflicted ones as CONFLICT. */
  static AccountView of(Stage stage, String wanted, String deployed, Map<String, InstanceView> instances,
      Map<String, String> desired, Map<String, Set<String>> conflicts, OrganizationSnapshot snapshot) {
    Map<String, Desired> objects = new LinkedHashMap<>();
    Map<String, State> states = new LinkedHashMap<>();
    desired.keySet().forEach(account -> {
      StageAccountStatus.Boundary b = boundaryOf(instances.get(account), deployed, wanted);
      states.put(account, b.state());
      objects.put(account, new Desired(spec(stage, account, snapshot), new StageAccountStatus(b, null)));
    });
    conflicts.forEach((account, others) -> {
      InstanceView i = instances.get(account);
      StageAccountStatus.Boundary b = new StageAccountStatus.Boundary(State.CONFLICT, null,
          i == null ? null : i.status(), "also claimed by Stage " + String.join(", ", others)
              + "; nothing is written to this account until only one Stage targets it");
      states.put(account, State.CONFLICT);
      objects.put(account, new Desired(spec(stage, account, snapshot), new StageAccountStatus(b, List.copyOf(others))));
    });
    return new AccountView(states, objects);
  }

  private static StageAccountStatus.Boundary boundaryOf(InstanceView i, String deployed, String wanted) {
    if (i == null) {
      return new StageAccountStatus.Boundary(State.MISSING, null, null,
          "no stack instance yet; it is created in the next rollout step");
    }
    String instanceStatus = i.status() + (i.detailedStatus() == null ? "" : "/" + i.detailedStatus());
    if (i.current()) {
      return wanted.equals(deployed) ? new StageAccountStatus.Boundary(State.CURRENT, deployed, instanceStatus, null)
          : new StageAccountStatus.Boundary(State.OUTDATED, deployed, instanceStatus,
              "revision " + deployed + " deployed, " + wanted + " pending");
    }
    if (i.inFlight()) {
      return new StageAccountStatus.Boundary(State.OUTDATED, deployed, instanceStatus,
          "a StackSet operation is deploying to this account");
    }
    String reason = i.statusReason() == null ? "the last deployment did not finish" : i.statusReason();
    return new StageAccountStatus.Boundary(State.FAILED, deployed, instanceStatus,
        reason + "; the operator retries with backoff");
  }

  static StageAccountSpec spec(Stage stage, String account, OrganizationSnapshot snapshot) {
    OrganizationSnapshot.Account a = snapshot.accounts().get(account);
    return new StageAccountSpec(stage.getMetadata().getName(), account, a == null ? null : a.name(),
        a == null ? null : a.parentId());
  }

  /** Accounts that joined or left the targeted OUs since the last rollout, under driftRemediation Report. */
  AccountView withMembershipDrift(Stage stage, Set<String> joined, Set<String> left, OrganizationSnapshot snapshot) {
    Map<String, State> st = new LinkedHashMap<>(states);
    Map<String, Desired> out = new LinkedHashMap<>(objects);
    joined.forEach(account -> {
      st.put(account, State.MISSING);
      out.put(account, new Desired(spec(stage, account, snapshot), new StageAccountStatus(
          new StageAccountStatus.Boundary(State.MISSING, null, null, "joined the targeted OUs after the "
              + "last rollout; driftRemediation is Report: not deployed (set it to Reconcile, or change "
              + "the Stage to adopt the new account)", null, DriftReason.JoinedAfterRollout.name()), null)));
    });
    left.forEach(account -> {
      st.put(account, State.DRIFTED);
      out.put(account, new Desired(spec(stage, account, snapshot), new StageAccountStatus(
          new StageAccountStatus.Boundary(State.DRIFTED, null, null, "left the targeted OUs after the "
              + "last rollout; driftRemediation is Report: its boundary stays deployed", null,
              DriftReason.LeftTargets.name()), null)));
    });
    return new AccountView(st, out);
  }

  /** The same view with what the direct checks found for the accounts they looked at. */
  AccountView withBoundaries(Map<String, StageAccountStatus.Boundary> checked) {
    Map<String, State> st = new LinkedHashMap<>(states);
    Map<String, Desired> out = new LinkedHashMap<>(objects);
    checked.forEach((account, b) -> {
      Desired d = out.get(account);
      if (d != null) {
        st.put(account, b.state());
        out.put(account, with(d, s -> new StageAccountStatus(b, s.conflictsWith(), s.bootstrapState(), s.bootstrap(),
            s.enforcement(), s.blocked(), s.exceptions())));
      }
    });
    return new AccountView(st, out);
  }

  AccountView withBootstrap(Map<String, List<StageAccountStatus.RegionBootstrap>> reports) {
    Map<String, Desired> out = new LinkedHashMap<>(objects);
    out.replaceAll((account, d) -> {
      List<StageAccountStatus.RegionBootstrap> r = reports.get(account);
      return r == null ? d : with(d, s -> new StageAccountStatus(s.boundary(), s.conflictsWith(),
          BootstrapRunner.overall(r), r, EnforcementCheck.combine(r.stream().map(StageAccountStatus.RegionBootstrap::enforcement)
              .toList()), s.blocked(), s.exceptions()));
    });
    return new AccountView(states, out);
  }

  /** The objects with the accounts an operation now works on shown as OUTDATED. */
  Map<String, Desired> inProgress(List<Target> targets, boolean all, String opId) {
    Set<String> touched = targets.stream().map(Target::accountId).collect(Collectors.toSet());
    Map<String, Desired> out = new LinkedHashMap<>(objects);
    out.replaceAll((account, d) -> {
      StageAccountStatus.Boundary b = d.status().boundary();
      if (b.state() == State.CONFLICT || b.takenOver() || !(all || touched.contains(account))) {
        return d;
      }
      return with(d, s -> new StageAccountStatus(new StageAccountStatus.Boundary(State.OUTDATED, b.revision(),
          b.stackInstanceStatus(), "StackSet operation " + opId + " is deploying to this account"),
          s.conflictsWith(), s.bootstrapState(), s.bootstrap(), s.enforcement(), s.blocked(), s.exceptions()));
    });
    return out;
  }

  /** The same view with the BoundaryExceptions in force in each account. */
  AccountView withExceptions(Map<String, List<StageAccountStatus.Lift>> lifts) {
    Map<String, Desired> out = new LinkedHashMap<>(objects);
    out.replaceAll((account, d) -> with(d, s -> s.withExceptions(lifts.get(account))));
    return new AccountView(states, out);
  }

  /** The same view with the accounts the operator leaves alone, and why (the others not blocked). */
  AccountView withBlocked(Map<String, StageAccountStatus.Blocked> blocked) {
    Map<String, Desired> out = new LinkedHashMap<>(objects);
    out.replaceAll((account, d) -> with(d, s -> s.withBlocked(blocked.get(account))));
    return new AccountView(states, out);
  }

  /**
   * The same view with the suspended (closed or closing) accounts below the targeted OUs: each has a
   * StageAccount that says so, keeping the revision last deployed there, and none counts toward the
   * stage (they are not in {@link #states}).
   */
  AccountView withSuspended(Stage stage, Set<String> suspended, OrganizationSnapshot snapshot,
      Map<String, StageAccountStatus.Boundary> previous) {
    Map<String, Desired> out = new LinkedHashMap<>(objects);
    for (String account : suspended) {
      StageAccountStatus.Boundary last = previous.get(account);
      String message = "the account is suspended or closing: StackSets skip it, and the operator reads and writes "
          + "nothing there; its policy stays as it was";
      out.put(account, new Desired(spec(stage, account, snapshot), new StageAccountStatus(
          new StageAccountStatus.Boundary(State.SUSPENDED, last == null ? null : last.revision(), null, message), null)
          .withBlocked(new StageAccountStatus.Blocked(BlockedReason.AccountSuspended.name(), message))));
    }
    return new AccountView(states, out);
  }

  /** Accounts the operator leaves alone now that count against the stage, by reason (suspended ones are not). */
  Map<String, Integer> blockedBy() {
    Map<String, Integer> out = new TreeMap<>(leftAloneBy());
    out.keySet().removeIf(reason -> !BlockedReason.valueOf(reason).holdsTheStage());
    return out;
  }

  /** Every account the operator leaves alone now, suspended ones included, by reason. */
  Map<String, Integer> leftAloneBy() {
    Map<String, Integer> out = new TreeMap<>();
    objects.values().stream().map(d -> d.status().blocked()).filter(Objects::nonNull)
        .forEach(b -> out.merge(b.reason(), 1, Integer::sum));
    return out;
  }

  private static Desired with(Desired d, UnaryOperator<StageAccountStatus> change) {
    return new Desired(d.spec(), change.apply(d.status()));
  }

  Set<String> accountsIn(State state) {
    return states.entrySet().stream().filter(e -> e.getValue() == state).map(Map.Entry::getKey)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Accounts with any open drift (boundary or bootstrap). */
  int drifted() {
    return (int) objects.values().stream().filter(d -> !openDrift(d.status()).isEmpty()).count();
  }

  /** Open drift by reason, counting each account once per reason. */
  Map<String, Integer> driftReasons() {
    Map<String, Integer> out = new TreeMap<>();
    objects.values().forEach(d -> openDrift(d.status()).forEach(r -> out.merge(r, 1, Integer::sum)));
    return out;
  }

  private static Set<String> openDrift(StageAccountStatus s) {
    Set<String> reasons = new TreeSet<>();
    StageAccountStatus.Boundary b = s.boundary();
    if (b != null && b.driftReason() != null && (b.state() == State.DRIFTED || b.state() == State.MISSING)) {
      reasons.add(b.driftReason());
    }
    if (s.bootstrap() != null) {
      s.bootstrap().stream().filter(r -> r.state() == BootstrapState.DRIFTED && r.driftReason() != null)
          .forEach(r -> reasons.add(r.driftReason()));
    }
    return reasons;
  }

  /** Accounts (not held by a conflict) whose every region is bootstrapped. */
  int bootstrapped() {
    return (int) objects.values().stream().filter(d -> d.status().bootstrapState() == BootstrapState.CURRENT).count();
  }

  /** Each probed account's proof (accounts not probed yet are not here). */
  Map<String, StageAccountStatus.Enforcement> enforcement() {
    Map<String, StageAccountStatus.Enforcement> out = new TreeMap<>();
    objects.forEach((account, d) -> {
      if (d.status().enforcement() != null) {
        out.put(account, d.status().enforcement());
      }
    });
    return out;
  }

  List<BootstrapState> bootstrapStates() {
    return objects.values().stream().map(d -> d.status().bootstrapState()).filter(Objects::nonNull).toList();
  }
}
