package io.stageboundary.operator.stage;

import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns a stage's targets into accounts: every active account below each OU (recursively), plus
 * the listed accounts, minus the exclusions; never the management account, which service-managed
 * StackSets cannot deploy to. Pure: it reads an {@link OrganizationSnapshot}.
 */
public final class TargetResolver {
  private TargetResolver() {}

  /**
   * @param accounts account id to the OU it sits in directly (the OU it is deployed through)
   * @param suspended accounts below the targeted OUs that are suspended or closing: StackSets skip
   *     them, the operator neither reads nor writes them, and they do not count toward the stage
   * @param problems what in the spec does not match the organisation, each with what to change
   */
  public record Resolved(SortedMap<String, String> accounts, java.util.SortedSet<String> suspended,
      List<String> problems) {
    public boolean valid() {
      return problems.isEmpty();
    }
  }

  public static Resolved resolve(StageSpec.Targets targets, OrganizationSnapshot org) {
    SortedMap<String, String> out = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    java.util.SortedSet<String> suspended = new java.util.TreeSet<>();
    if (targets == null) {
      return new Resolved(out, suspended, List.of("spec.targets is required"));
    }
    for (String ou : nonNull(targets.organizationalUnits())) {
      if (!org.hasOu(ou)) {
        problems.add("spec.targets.organizationalUnits: " + ou + " is not an OU of organization "
            + org.organizationId() + " (root " + org.rootId() + "); check the id");
        continue;
      }
      for (String account : org.accountsUnder(ou)) {
        out.put(account, org.accounts().get(account).parentId());
      }
      // closing an account is routine: it leaves the stage quietly, not as drift
      suspended.addAll(org.accountsUnder(ou, false));
    }
    for (String account : nonNull(targets.accounts())) {
      OrganizationSnapshot.Account a = org.accounts().get(account);
      if (account.equals(org.managementAccountId())) {
        problems.add("spec.targets.accounts: " + account + " is the organization's management "
            + "account; StackSets with service-managed permissions cannot deploy to it, remove it");
      } else if (a == null) {
        problems.add("spec.targets.accounts: " + account + " is not a member of organization "
            + org.organizationId() + "; check the id");
      } else if (!a.active()) {
        problems.add("spec.targets.accounts: " + account + " is suspended or closing; remove it");
      } else {
        out.put(account, a.parentId());
      }
    }
    for (String excluded : nonNull(targets.excludeAccounts())) {
      out.remove(excluded);
      suspended.remove(excluded);
    }
    return new Resolved(out, suspended, problems);
  }

  private static List<String> nonNull(List<String> list) {
    return list == null ? List.of() : list;
  }
}
