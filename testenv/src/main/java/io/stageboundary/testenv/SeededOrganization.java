package io.stageboundary.testenv;

import java.util.List;
import java.util.Map;

/**
 * The organisation the emulator was seeded with: fixed ids, so samples and docs can name them.
 *
 * @param managementAccountId the account plain credentials act as
 * @param delegatedAdminAccountId registered delegated administrator for StackSets
 * @param operatorRoleArn role in the delegated administrator account the operator assumes
 * @param memberRoleName role present in every member account for the operator
 * @param organizationalUnits OU name to id
 */
public record SeededOrganization(String managementAccountId, String rootId,
    String delegatedAdminAccountId, String operatorRoleArn, String memberRoleName,
    Map<String, String> organizationalUnits, List<Account> accounts) {

  public record Account(String id, String name, String ouName) {}

  public String ou(String name) {
    String id = organizationalUnits.get(name);
    if (id == null) {
      throw new IllegalArgumentException("no OU named " + name + "; have " + organizationalUnits.keySet());
    }
    return id;
  }

  /** Member accounts directly in the named OU (not below it). */
  public List<String> accountsIn(String ouName) {
    return accounts.stream().filter(a -> a.ouName().equals(ouName)).map(Account::id).toList();
  }

  public String account(String name) {
    return accounts.stream().filter(a -> a.name().equals(name)).map(Account::id).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no account named " + name));
  }
}
