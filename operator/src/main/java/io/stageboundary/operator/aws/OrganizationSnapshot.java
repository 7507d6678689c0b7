package io.stageboundary.operator.aws;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The organisation's OU tree and accounts as read at one moment. Pure data: target resolution and
 * conflict checks work on it without calling AWS.
 */
public record OrganizationSnapshot(String organizationId, String managementAccountId,
    String rootId, Map<String, Ou> organizationalUnits, Map<String, Account> accounts,
    Instant readAt, boolean serviceControlPoliciesEnabled) {

  /** A snapshot of an organisation whose root has SCPs enabled. */
  public OrganizationSnapshot(String organizationId, String managementAccountId, String rootId,
      Map<String, Ou> organizationalUnits, Map<String, Account> accounts, Instant readAt) {
    this(organizationId, managementAccountId, rootId, organizationalUnits, accounts, readAt, true);
  }

  /** The OUs from the root down to the account's parent, then the account: where an SCP can apply to it. */
  public List<String> pathTo(String accountId) {
    java.util.LinkedList<String> path = new java.util.LinkedList<>();
    path.add(accountId);
    Account a = accounts.get(accountId);
    String parent = a == null ? null : a.parentId();
    while (parent != null && path.size() < 10) {
      path.addFirst(parent);
      Ou ou = organizationalUnits.get(parent);
      parent = ou == null ? null : ou.parentId();
    }
    return path;
  }

  /** An OU, or the root (whose parentId is null). */
  public record Ou(String id, String name, String parentId) {}

  public record Account(String id, String name, String parentId, boolean active) {}

  public boolean hasOu(String id) {
    return organizationalUnits.containsKey(id);
  }

  /** Active accounts below {@code ouId} at any depth, never the management account. */
  public TreeSet<String> accountsUnder(String ouId) {
    return accountsUnder(ouId, true);
  }

  /**
   * Accounts below {@code ouId} at any depth that are {@code active}, or (false) suspended or
   * closing; never the management account.
   */
  public TreeSet<String> accountsUnder(String ouId, boolean active) {
    TreeSet<String> ous = new TreeSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(ouId));
    while (!todo.isEmpty()) {
      String parent = todo.pop();
      if (ous.add(parent)) {
        organizationalUnits.values().stream().filter(o -> parent.equals(o.parentId()))
            .forEach(o -> todo.push(o.id()));
      }
    }
    TreeSet<String> out = new TreeSet<>();
    for (Account a : accounts.values()) {
      if (a.active() == active && ous.contains(a.parentId()) && !a.id().equals(managementAccountId)) {
        out.add(a.id());
      }
    }
    return out;
  }

  public int memberAccounts() {
    return (int) accounts.keySet().stream().filter(a -> !a.equals(managementAccountId)).count();
  }
}
