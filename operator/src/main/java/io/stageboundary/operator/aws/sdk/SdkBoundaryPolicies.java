package io.stageboundary.operator.aws.sdk;

import io.stageboundary.operator.aws.BoundaryPolicies;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.PolicyVersion;

/** {@link BoundaryPolicies} through IAM, as the member role of one account. */
public final class SdkBoundaryPolicies implements BoundaryPolicies {
  private final AwsAccess.MemberAccess member;

  public SdkBoundaryPolicies(AwsAccess.MemberAccess member) {
    this.member = member;
  }

  private IamClient iam() {
    return member.iam();
  }

  @Override
  public Optional<Version> defaultVersion(String policyArn, String likely) {
    try {
      if (likely != null) {
        try {
          PolicyVersion v = iam().getPolicyVersion(r -> r.policyArn(policyArn).versionId(likely)).policyVersion();
          if (Boolean.TRUE.equals(v.isDefaultVersion())) {
            return Optional.of(new Version(likely, decoded(v.document())));
          }
        } catch (NoSuchEntityException e) {
          // no such version (or no policy): read the policy to tell which
        }
      }
      String version = iam().getPolicy(r -> r.policyArn(policyArn)).policy().defaultVersionId();
      String doc = iam().getPolicyVersion(r -> r.policyArn(policyArn).versionId(version))
          .policyVersion().document();
      return Optional.of(new Version(version, decoded(doc)));
    } catch (NoSuchEntityException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw SdkFailures.of("IAM GetPolicy in " + member.accountId(), e);
    }
  }

  @Override
  public Optional<Version> recentDefaultVersion(String policyArn, Duration maxAge) {
    try {
      Optional<IamDetails> details = member.details(policyArn, maxAge);
      return details.isPresent() ? details.get().defaultVersion(policyArn) : defaultVersion(policyArn, null);
    } catch (SdkException e) {
      throw SdkFailures.of("IAM GetAccountAuthorizationDetails in " + member.accountId(), e);
    }
  }

  @Override
  public Optional<Existing> existing(String policyArn) {
    try {
      var policy = iam().getPolicy(r -> r.policyArn(policyArn)).policy();
      return Optional.of(new Existing(policy.attachmentCount() == null ? 0 : policy.attachmentCount(),
          policy.permissionsBoundaryUsageCount() == null ? 0 : policy.permissionsBoundaryUsageCount()));
    } catch (NoSuchEntityException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw SdkFailures.of("IAM GetPolicy in " + member.accountId(), e);
    }
  }

  /** IAM returns documents URL-encoded (RFC 3986); null stays null. */
  static String decoded(String doc) {
    return doc != null && doc.startsWith("%") ? URLDecoder.decode(doc, StandardCharsets.UTF_8) : doc;
  }

  @Override
  public void restoreDocument(String policyArn, String document) {
    try {
      List<PolicyVersion> versions = iam().listPolicyVersions(r -> r.policyArn(policyArn)).versions();
      if (versions.size() >= 5) {
        versions.stream().filter(v -> !v.isDefaultVersion())
            .min(Comparator.comparing(PolicyVersion::createDate))
            .ifPresent(v -> iam().deletePolicyVersion(r -> r.policyArn(policyArn).versionId(v.versionId())));
      }
      member.wrote();
      iam().createPolicyVersion(r -> r.policyArn(policyArn).policyDocument(document).setAsDefault(true));
    } catch (SdkException e) {
      throw SdkFailures.of("IAM CreatePolicyVersion in " + member.accountId(), e);
    }
  }

  @Override
  public void recreate(String policyName, String description, String document) {
    try {
      member.wrote();
      iam().createPolicy(r -> r.policyName(policyName).description(description).policyDocument(document));
    } catch (SdkException e) {
      throw SdkFailures.of("IAM CreatePolicy in " + member.accountId(), e);
    }
  }
}
