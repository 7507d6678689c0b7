package io.stageboundary.operator.aws.sdk;

import io.stageboundary.operator.aws.OrganizationDirectory;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AccountStatus;
import software.amazon.awssdk.services.organizations.model.Organization;
import software.amazon.awssdk.services.organizations.model.ParentNotFoundException;
import software.amazon.awssdk.services.organizations.model.PolicyType;
import software.amazon.awssdk.services.organizations.model.PolicyTypeStatus;
import software.amazon.awssdk.services.organizations.model.Root;

/**
 * Walks the OU tree from the root: per parent one paged ListOrganizationalUnitsForParent and one
 * paged ListAccountsForParent, so the cost is about 2 calls per OU plus one per 20 accounts,
 * instead of a ListParents call per account. A {@link #reread} skips the first for OUs that had no
 * child OUs: about one call per OU (most OUs are leaves).
 */
public final class SdkOrganizationDirectory implements OrganizationDirectory {
  private final AwsAccess aws;
  private final Runnable onRead;

  /** @param onRead told each time the organisation is read, so what depends on it is asked again */
  public SdkOrganizationDirectory(AwsAccess aws, Runnable onRead) {
    this.aws = aws;
    this.onRead = onRead;
  }

  @Override
  public OrganizationSnapshot read() {
    OrganizationsClient orgs = aws.organizations();
    onRead.run();
    try {
      Organization org = orgs.describeOrganization().organization();
      return walk(orgs, org.id(), org.masterAccountId(), ou -> true).orElseThrow();
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations", e);
    }
  }

  @Override
  public OrganizationSnapshot reread(OrganizationSnapshot previous) {
    OrganizationsClient orgs = aws.organizations();
    Set<String> withChildOus = new HashSet<>();
    previous.organizationalUnits().values().forEach(ou -> withChildOus.add(ou.parentId()));
    onRead.run();
    try {
      Optional<OrganizationSnapshot> again = walk(orgs, previous.organizationId(), previous.managementAccountId(),
          ou -> withChildOus.contains(ou) || !previous.hasOu(ou));
      if (again.isPresent() && again.get().organizationalUnits().keySet().containsAll(previous.organizationalUnits().keySet())
          && again.get().accounts().keySet().containsAll(previous.accounts().keySet())) {
        return again.get();
      }
      return read();
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations", e);
    }
  }

  /**
   * From the root down: each OU's accounts, and its child OUs where {@code mayHaveChildOus}. Empty
   * when an OU went away during the walk.
   */
  private static Optional<OrganizationSnapshot> walk(OrganizationsClient orgs, String organizationId,
      String managementAccountId, Predicate<String> mayHaveChildOus) {
    Root root = orgs.listRoots().roots().get(0);
    Map<String, OrganizationSnapshot.Ou> ous = new LinkedHashMap<>();
    Map<String, OrganizationSnapshot.Account> accounts = new LinkedHashMap<>();
    ous.put(root.id(), new OrganizationSnapshot.Ou(root.id(), root.name(), null));
    Deque<String> todo = new ArrayDeque<>();
    todo.add(root.id());
    try {
      while (!todo.isEmpty()) {
        String parent = todo.poll();
        if (parent.equals(root.id()) || mayHaveChildOus.test(parent)) {
          orgs.listOrganizationalUnitsForParentPaginator(r -> r.parentId(parent)).stream()
              .flatMap(p -> p.organizationalUnits().stream()).forEach(ou -> {
                ous.put(ou.id(), new OrganizationSnapshot.Ou(ou.id(), ou.name(), parent));
                todo.add(ou.id());
              });
        }
        orgs.listAccountsForParentPaginator(r -> r.parentId(parent)).stream()
            .flatMap(p -> p.accounts().stream()).forEach(a -> accounts.put(a.id(),
                new OrganizationSnapshot.Account(a.id(), a.name(), parent,
                    a.status() == null || a.status() == AccountStatus.ACTIVE)));
      }
    } catch (ParentNotFoundException e) {
      return Optional.empty();
    }
    boolean scps = root.policyTypes().stream().anyMatch(t -> t.type() == PolicyType.SERVICE_CONTROL_POLICY
        && t.status() == PolicyTypeStatus.ENABLED);
    return Optional.of(new OrganizationSnapshot(organizationId, managementAccountId, root.id(), ous, accounts,
        Instant.now(), scps));
  }
}
