package io.stageboundary.benchmark;

import io.stageboundary.testenv.OrganizationSeeder;
import io.stageboundary.testenv.OrganizationSeeder.Ou;
import io.stageboundary.testenv.SeededOrganization.Account;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The organisation a benchmark run seeds: three stage OUs (dev, beta, prod) under a workloads OU,
 * each with team OUs and a nested child OU per team, {@code perStage} accounts spread over them;
 * and a separate baseline OU, targeted by no stage, whose accounts the real CDK CLI bootstraps.
 *
 * <pre>
 * Root
 * ├── platform     platform-tooling (delegated administrator)
 * ├── workloads
 * │   ├── dev      ├── dev-team-1 ── dev-team-1-services   (accounts alternate between the two)
 * │   │            └── dev-team-2 ── ...                    (one team per 20 accounts)
 * │   ├── beta     ...
 * │   └── prod     ...
 * └── baseline     the baseline's accounts
 * </pre>
 */
record ScaleOrganization(int perStage, List<Ou> ous, List<Account> accounts, Map<String, String> stageOus,
    List<String> baselineAccounts) {

  static final List<String> STAGES = List.of("dev", "beta", "prod");
  static final int ACCOUNTS_PER_TEAM = 20;

  static ScaleOrganization of(int perStage, int baselineAccounts) {
    if (perStage < 1 || perStage > 99_999) {
      throw new IllegalArgumentException("accounts per stage must be between 1 and 99999, not " + perStage);
    }
    List<Ou> ous = new ArrayList<>();
    List<Account> accounts = new ArrayList<>();
    Map<String, String> stageOus = new LinkedHashMap<>();
    ous.add(new Ou("platform", "ou-sbo1-platform1", null));
    ous.add(new Ou("workloads", "ou-sbo1-workload", null));
    accounts.add(new Account(OrganizationSeeder.TOOLING_ACCOUNT, "platform-tooling", "platform"));
    int teams = Math.max(1, (perStage + ACCOUNTS_PER_TEAM - 1) / ACCOUNTS_PER_TEAM);
    for (int s = 0; s < STAGES.size(); s++) {
      String stage = STAGES.get(s);
      String stageOu = "ou-sbo1-" + stage + "0".repeat(7 - stage.length()) + "1";
      stageOus.put(stage, stageOu);
      ous.add(new Ou(stage, stageOu, "workloads"));
      for (int t = 1; t <= teams; t++) {
        String team = stage + "-team-" + t;
        ous.add(new Ou(team, "ou-sbo1-%st%06d".formatted(stage.charAt(0), t), stage));
        ous.add(new Ou(team + "-services", "ou-sbo1-%ss%06d".formatted(stage.charAt(0), t), team));
      }
      for (int i = 1; i <= perStage; i++) {
        int t = (i - 1) % teams + 1;
        String ou = stage + "-team-" + t + (i % 2 == 0 ? "-services" : "");
        accounts.add(new Account("%d%011d".formatted(s + 2, i), stage + "-" + i, ou));
      }
    }
    ous.add(new Ou("baseline", "ou-sbo1-baseline", null));
    List<String> baseline = new ArrayList<>();
    for (int i = 1; i <= baselineAccounts; i++) {
      String id = "8%011d".formatted(i);
      baseline.add(id);
      accounts.add(new Account(id, "baseline-" + i, "baseline"));
    }
    return new ScaleOrganization(perStage, List.copyOf(ous), List.copyOf(accounts), Map.copyOf(stageOus),
        List.copyOf(baseline));
  }

  /** Member accounts the stages target. */
  int targetedAccounts() {
    return perStage * STAGES.size();
  }

  /** The ids of the member accounts the stages target. */
  Set<String> memberAccounts() {
    return STAGES.stream().flatMap(s -> accountsOf(s).stream()).collect(Collectors.toUnmodifiableSet());
  }

  List<String> accountsOf(String stage) {
    int prefix = STAGES.indexOf(stage) + 2;
    return accounts.stream().map(Account::id).filter(id -> id.charAt(0) == (char) ('0' + prefix)).toList();
  }
}
