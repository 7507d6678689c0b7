package io.stageboundary.operator.aws.sdk;

import java.util.function.BiFunction;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CreateStackRequest;
import software.amazon.awssdk.services.cloudformation.model.CreateStackResponse;
import software.amazon.awssdk.services.cloudformation.model.DescribeStackResourcesRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStackResourcesResponse;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksResponse;
import software.amazon.awssdk.services.cloudformation.model.UpdateStackRequest;
import software.amazon.awssdk.services.cloudformation.model.UpdateStackResponse;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.CreatePolicyRequest;
import software.amazon.awssdk.services.iam.model.CreatePolicyResponse;
import software.amazon.awssdk.services.iam.model.CreatePolicyVersionRequest;
import software.amazon.awssdk.services.iam.model.CreatePolicyVersionResponse;
import software.amazon.awssdk.services.iam.model.DeletePolicyVersionRequest;
import software.amazon.awssdk.services.iam.model.DeletePolicyVersionResponse;
import software.amazon.awssdk.services.iam.model.GetAccountAuthorizationDetailsRequest;
import software.amazon.awssdk.services.iam.model.GetAccountAuthorizationDetailsResponse;
import software.amazon.awssdk.services.iam.model.GetPolicyRequest;
import software.amazon.awssdk.services.iam.model.GetPolicyResponse;
import software.amazon.awssdk.services.iam.model.GetPolicyVersionRequest;
import software.amazon.awssdk.services.iam.model.GetPolicyVersionResponse;
import software.amazon.awssdk.services.iam.model.GetRoleRequest;
import software.amazon.awssdk.services.iam.model.GetRoleResponse;
import software.amazon.awssdk.services.iam.model.ListPolicyVersionsRequest;
import software.amazon.awssdk.services.iam.model.ListPolicyVersionsResponse;
import software.amazon.awssdk.services.iam.model.PutRolePermissionsBoundaryRequest;
import software.amazon.awssdk.services.iam.model.PutRolePermissionsBoundaryResponse;
import software.amazon.awssdk.services.iam.model.SimulatePrincipalPolicyRequest;
import software.amazon.awssdk.services.iam.model.SimulatePrincipalPolicyResponse;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParameterRequest;
import software.amazon.awssdk.services.ssm.model.GetParameterResponse;

/**
 * Views of the shared SDK clients that send every request with one member account's credentials,
 * through the SDK's per-request credentials override. Each view implements the calls the operator
 * makes in member accounts; any other call is the SDK interface's own UnsupportedOperationException,
 * and the consumer-builder overloads build the request and come back here.
 *
 * <p>Written out rather than as a {@code java.lang.reflect.Proxy} of the client interface: a proxy
 * class refers to every method of the interface, so making one loaded the service's whole model:
 * 17,300 classes loaded in a benchmark run, 15,100 without (2,091 of them IAM classes then, 559 now).
 */
final class MemberRequests {
  /** The shared member clients' own credentials: using them is a bug, said loudly. */
  static final AwsCredentialsProvider NO_CREDENTIALS = () -> {
    throw new IllegalStateException("a shared member-account client was called without the account's credentials");
  };

  private MemberRequests() {}

  static IamClient iam(IamClient shared, AwsCredentialsProvider credentials, Pacing pacing) {
    return new Iam(new Sender<>(shared, credentials, pacing));
  }

  static CloudFormationClient cloudFormation(CloudFormationClient shared, AwsCredentialsProvider credentials,
      Pacing pacing) {
    return new CloudFormation(new Sender<>(shared, credentials, pacing));
  }

  static SsmClient ssm(SsmClient shared, AwsCredentialsProvider credentials, Pacing pacing) {
    return new Ssm(new Sender<>(shared, credentials, pacing));
  }

  /**
   * How one account's calls to one service are paced: each waits for its turn, and each reports how
   * many of its attempts AWS throttled (the SDK retries those itself; counting them per attempt is
   * what lets the pace follow AWS's per-account throttling).
   */
  @FunctionalInterface
  interface Pacing {
    void before();

    default void attempts(int throttled) {}
  }

  static AwsRequest withCredentials(AwsRequest request, AwsCredentialsProvider credentials) {
    AwsRequestOverrideConfiguration.Builder o = request.overrideConfiguration()
        .map(AwsRequestOverrideConfiguration::toBuilder).orElseGet(AwsRequestOverrideConfiguration::builder);
    return request.toBuilder().overrideConfiguration(o.credentialsProvider(credentials).build()).build();
  }

  /** The one way a view sends: wait for the account's turn, put its credentials on, call the shared client. */
  private record Sender<C extends SdkClient>(C shared, AwsCredentialsProvider credentials, Pacing pacing) {
    @SuppressWarnings("unchecked")
    <Q extends AwsRequest, R> R send(BiFunction<C, Q, R> call, Q request) {
      pacing.before();
      return ThrottledAttempts.counting(() -> call.apply(shared, (Q) withCredentials(request, credentials)),
          pacing::attempts);
    }
  }

  /** What every view shares: the shared client's service name, and a close that leaves it open. */
  private interface View<C extends SdkClient> extends SdkClient {
    Sender<C> to();

    @Override
    default String serviceName() {
      return to().shared().serviceName();
    }

    @Override
    default void close() {
      // the shared client outlives this view
    }
  }

  private record Iam(Sender<IamClient> to) implements IamClient, View<IamClient> {
    @Override
    public GetRoleResponse getRole(GetRoleRequest r) {
      return to.send(IamClient::getRole, r);
    }

    @Override
    public GetAccountAuthorizationDetailsResponse getAccountAuthorizationDetails(
        GetAccountAuthorizationDetailsRequest r) {
      return to.send(IamClient::getAccountAuthorizationDetails, r);
    }

    @Override
    public PutRolePermissionsBoundaryResponse putRolePermissionsBoundary(PutRolePermissionsBoundaryRequest r) {
      return to.send(IamClient::putRolePermissionsBoundary, r);
    }

    @Override
    public GetPolicyResponse getPolicy(GetPolicyRequest r) {
      return to.send(IamClient::getPolicy, r);
    }

    @Override
    public GetPolicyVersionResponse getPolicyVersion(GetPolicyVersionRequest r) {
      return to.send(IamClient::getPolicyVersion, r);
    }

    @Override
    public ListPolicyVersionsResponse listPolicyVersions(ListPolicyVersionsRequest r) {
      return to.send(IamClient::listPolicyVersions, r);
    }

    @Override
    public DeletePolicyVersionResponse deletePolicyVersion(DeletePolicyVersionRequest r) {
      return to.send(IamClient::deletePolicyVersion, r);
    }

    @Override
    public CreatePolicyVersionResponse createPolicyVersion(CreatePolicyVersionRequest r) {
      return to.send(IamClient::createPolicyVersion, r);
    }

    @Override
    public CreatePolicyResponse createPolicy(CreatePolicyRequest r) {
      return to.send(IamClient::createPolicy, r);
    }

    @Override
    public SimulatePrincipalPolicyResponse simulatePrincipalPolicy(SimulatePrincipalPolicyRequest r) {
      return to.send(IamClient::simulatePrincipalPolicy, r);
    }
  }

  private record CloudFormation(Sender<CloudFormationClient> to)
      implements CloudFormationClient, View<CloudFormationClient> {
    @Override
    public DescribeStacksResponse describeStacks(DescribeStacksRequest r) {
      return to.send(CloudFormationClient::describeStacks, r);
    }

    @Override
    public CreateStackResponse createStack(CreateStackRequest r) {
      return to.send(CloudFormationClient::createStack, r);
    }

    @Override
    public UpdateStackResponse updateStack(UpdateStackRequest r) {
      return to.send(CloudFormationClient::updateStack, r);
    }

    @Override
    public DescribeStackResourcesResponse describeStackResources(DescribeStackResourcesRequest r) {
      return to.send(CloudFormationClient::describeStackResources, r);
    }
  }

  private record Ssm(Sender<SsmClient> to) implements SsmClient, View<SsmClient> {
    @Override
    public GetParameterResponse getParameter(GetParameterRequest r) {
      return to.send(SsmClient::getParameter, r);
    }
  }
}
