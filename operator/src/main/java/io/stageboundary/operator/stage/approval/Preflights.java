package io.stageboundary.operator.stage.approval;

import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.aws.BoundaryPolicies;
import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.operator.policy.BoundaryDocument;
import io.stageboundary.operator.stage.bootstrap.BootstrapRunner;
import io.stageboundary.operator.stage.pass.Preflight;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The plan's reads for what will block, besides the bootstrap stacks' ({@link BootstrapRunner#preview}):
 * whether the stage's policy name is taken in an account it has not deployed to yet. Reading only.
 */
final class Preflights {
  private Preflights() {}

  /** Accounts to add where a policy of the stage's name exists already: CloudFormation cannot create it there. */
  static List<Preflight> policyNames(BoundaryDocument doc, List<String> toAdd, OrganizationAws aws, String region,
      BootstrapRunner reads, boolean adopt) {
    List<Preflight> out = new ArrayList<>();
    reads.read(toAdd, account -> taken(doc, account, aws.policies(account), aws.bootstrapStacks(account, region),
        region, adopt)).values().forEach(p -> p.ifPresent(out::add));
    return out;
  }

  private static Optional<Preflight> taken(BoundaryDocument doc, String account, BoundaryPolicies iam,
      BootstrapStacks cloudFormation, String region, boolean adopt) {
    String arn = doc.policyArn(account);
    try {
      return iam.existing(arn).map(e -> {
        String found = "a policy named " + doc.policyName() + " already exists (" + arn + "), made outside this "
            + "stage's StackSet " + madeBy(cloudFormation, arn, region) + "; it is attached to " + e.attachments()
            + " user(s), group(s) or role(s) and is the permissions boundary of " + e.boundaryOf() + ". ";
        return adopt ? new Preflight(account, null, Preflight.Reason.PolicyToAdopt, found + "spec.boundary."
            + "adoptExisting is set: its document will be replaced by the stage's, and kept there by the operator")
            : new Preflight(account, null, Preflight.Reason.PolicyNameTaken, found + "CloudFormation cannot create "
            + "the stage's policy here: set spec.boundary.adoptExisting to take it over, delete or rename it once "
            + "nothing uses it, or give the stage another spec.boundary.policyName");
      });
    } catch (AwsFailure f) {
      boolean role = f.kind() == AwsFailure.Kind.MEMBER_ROLE_UNAVAILABLE;
      return Optional.of(new Preflight(account, null, role ? Preflight.Reason.MemberRoleMissing
          : Preflight.Reason.NotReadable, f.getMessage()));
    }
  }

  /** Who made the policy: the stack that owns it, or (none does in the region) by hand or elsewhere. */
  private static String madeBy(BootstrapStacks cloudFormation, String arn, String region) {
    Optional<String> stack = cloudFormation.stackOwning(arn);
    if (stack.isEmpty()) {
      return "(no CloudFormation stack in " + region + " owns it: made by hand, or by a stack in another region)";
    }
    return stack.get().startsWith("StackSet-stage-boundary-")
        ? "(by the StackSet of another Stage: its stack " + stack.get() + ")"
        : "(by the CloudFormation stack " + stack.get() + " in " + region + ")";
  }

  /**
   * The findings as the plan lists them, by account then region: an account whose member role is
   * missing is one entry (nothing else there could be read), and each finding once.
   */
  static List<StageStatus.Blocker> collapse(Collection<Preflight> found) {
    Set<String> noRole = found.stream().filter(p -> p.reason() == Preflight.Reason.MemberRoleMissing)
        .map(Preflight::account).collect(Collectors.toSet());
    Map<String, StageStatus.Blocker> out = new TreeMap<>();
    for (Preflight p : found) {
      if (noRole.contains(p.account()) && p.reason() != Preflight.Reason.MemberRoleMissing) {
        continue;
      }
      String region = p.reason() == Preflight.Reason.MemberRoleMissing ? null : p.region();
      // by account, the account's own first, then by region
      out.putIfAbsent(p.account() + (region == null ? " " : "|" + region) + "|" + p.reason(),
          new StageStatus.Blocker(p.account(), region, p.reason().name(), p.message()));
    }
    return List.copyOf(out.values());
  }
}
