package io.stageboundary.operator.organization;

import static org.assertj.core.api.Assertions.assertThat;

import io.stageboundary.operator.MutableClock;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.aws.BoundaryPolicies;
import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.operator.aws.OrganizationDirectory;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.operator.aws.ServiceControlPolicies;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The organisation is read whole every other refresh, and reread where it can have changed between. */
class OrganizationContextTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
  private final List<String> reads = new ArrayList<>();
  private final OrganizationContext context = new OrganizationContext("default/org", new Directory(), Duration.ofMinutes(30),
      clock);

  @Test
  void everyOtherRefreshReadsTheWholeOrganisation() {
    context.snapshot();
    for (int i = 0; i < 12; i++) {
      clock.advance(Duration.ofMinutes(10));
      context.snapshot();
    }
    // at 0, 40 (reread), 80 (whole: the last whole read is an hour old), 120 (reread)
    assertThat(reads).containsExactly("read", "reread", "read", "reread");
  }

  @Test
  void aStageNamingAnUnknownIdReadsTheWholeOrganisation() {
    context.snapshot();
    clock.advance(Duration.ofSeconds(11));
    context.refreshIfOlderThan(Duration.ofSeconds(10));
    clock.advance(Duration.ofMinutes(31));
    context.snapshot();
    assertThat(reads).containsExactly("read", "read", "reread");
  }

  private final class Directory implements OrganizationAws, OrganizationDirectory {
    @Override
    public OrganizationSnapshot read() {
      reads.add("read");
      return snapshot();
    }

    @Override
    public OrganizationSnapshot reread(OrganizationSnapshot previous) {
      reads.add("reread");
      return snapshot();
    }

    private OrganizationSnapshot snapshot() {
      return new OrganizationSnapshot("o-test", "123456789012", "r-root", Map.of(), Map.of(), clock.instant());
    }

    @Override
    public String region() {
      return "us-east-1";
    }

    @Override
    public String callerAccountId() {
      return "123456789012";
    }

    @Override
    public OrganizationDirectory directory() {
      return this;
    }

    @Override
    public BoundaryStackSets stackSets() {
      throw new UnsupportedOperationException();
    }

    @Override
    public ServiceControlPolicies serviceControlPolicies() {
      throw new UnsupportedOperationException();
    }

    @Override
    public BoundaryPolicies policies(String accountId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public BootstrapStacks bootstrapStacks(String accountId, String region) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }
}
