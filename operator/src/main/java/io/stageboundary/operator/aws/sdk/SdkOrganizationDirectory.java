package io.stageboundary.operator.aws.sdk;

import io.stageboundary.operator.aws.OrganizationDirectory;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AccountStatus;
import software.amazon.awssdk.services.organizations.model.Organization;
import software.amazon.awssdk.services.organizations.model.PolicyType;
import software.amazon.awssdk.services.organizations.model.PolicyTypeStatus;
import software.amazon.awssdk.services.organizations.model.Root;

/**
 * Walks the OU tree from the root: per parent one paged ListOrganizationalUnitsForParent and one
 * paged ListAccountsForParent, so the cost is about 2 calls per OU plus one per 20 accounts,
 * instead of a ListParents call per account.
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
      Root root = orgs.listRoots().roots().get(0);
      Map<String, OrganizationSnapshot.Ou> ous = new LinkedHashMap<>();
      Map<String, OrganizationSnapshot.Account> accounts = new LinkedHashMap<>();
      ous.put(root.id(), new OrganizationSnapshot.Ou(root.id(), root.name(), null));
      Deque<String> todo = new ArrayDeque<>();
      todo.add(root.id());
      while (!todo.isEmpty()) {
        String parent = todo.poll();
        orgs.listOrganizationalUnitsForParentPaginator(r -> r.parentId(parent)).stream()
            .flatMap(p -> p.organizationalUnits().stream()).forEach(ou -> {
              ous.put(ou.id(), new OrganizationSnapshot.Ou(ou.id(), ou.name(), parent));
              todo.add(ou.id());
            });
        orgs.listAccountsForParentPaginator(r -> r.parentId(parent)).stream()
            .flatMap(p -> p.accounts().stream()).forEach(a -> accounts.put(a.id(),
                new OrganizationSnapshot.Account(a.id(), a.name(), parent,
                    a.status() == null || a.status() == AccountStatus.ACTIVE)));
      }
      boolean scps = root.policyTypes().stream().anyMatch(t -> t.type() == PolicyType.SERVICE_CONTROL_POLICY
          && t.status() == PolicyTypeStatus.ENABLED);
      return new OrganizationSnapshot(org.id(), org.masterAccountId(), root.id(), ous, accounts,
          Instant.now(), scps);
    } catch (SdkException e) {
      throw SdkFailures.of("Organizations", e);
    }
  }
}
