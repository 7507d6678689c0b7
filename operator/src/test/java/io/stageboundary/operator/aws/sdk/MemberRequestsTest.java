package io.stageboundary.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.GetPolicyRequest;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/** Member-account views of one shared client sign each request as their own account. */
class MemberRequestsTest {
  private HttpServer server;
  private final List<String> signedBy = new CopyOnWriteArrayList<>();
  private IamClient shared;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      signedBy.add(auth.replaceAll(".*Credential=([A-Z0-9]+)/.*", "$1"));
      exchange.getRequestBody().readAllBytes();
      byte[] body = """
          <ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>none</Message></Error>
          <RequestId>1</RequestId></ErrorResponse>""".getBytes();
      exchange.sendResponseHeaders(404, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    shared = IamClient.builder().region(Region.AWS_GLOBAL).credentialsProvider(MemberRequests.NO_CREDENTIALS)
        .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none())).build();
  }

  @AfterEach
  void stop() {
    shared.close();
    server.stop(0);
  }

  private static StaticCredentialsProvider keys(String id) {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, "secret-" + id));
  }

  @Test
  void eachViewSignsWithItsOwnAccountsCredentials() {
    IamClient first = MemberRequests.iam(shared, keys("AKIDACCOUNTONE"), () -> { });
    IamClient second = MemberRequests.iam(shared, keys("AKIDACCOUNTTWO"), () -> { });
    assertThatThrownBy(() -> first.getRole(r -> r.roleName("a"))).isInstanceOf(NoSuchEntityException.class);
    assertThatThrownBy(() -> second.getPolicy(GetPolicyRequest.builder()
        .policyArn("arn:aws:iam::222222222222:policy/p").build())).isInstanceOf(NoSuchEntityException.class);
    assertThat(signedBy).containsExactly("AKIDACCOUNTONE", "AKIDACCOUNTTWO");
    first.close();  // a view's close leaves the shared client working
    assertThatThrownBy(() -> second.getRole(r -> r.roleName("b"))).isInstanceOf(NoSuchEntityException.class);
  }

  @Test
  void theSharedClientItselfRefusesToSign() {
    assertThatThrownBy(() -> shared.getRole(r -> r.roleName("a")))
        .hasStackTraceContaining("without the account's credentials");
    assertThat(signedBy).isEmpty();
  }

  @Test
  void eachRequestWaitsForTheAccountsTurnAndACallTheOperatorNeverMakesIsRefusedUnsent() {
    java.util.concurrent.atomic.AtomicInteger turns = new java.util.concurrent.atomic.AtomicInteger();
    IamClient view = MemberRequests.iam(shared, keys("AKIDACCOUNTONE"), turns::incrementAndGet);
    assertThatThrownBy(() -> view.getRole(r -> r.roleName("a"))).isInstanceOf(NoSuchEntityException.class);
    assertThat(turns).hasValue(1);
    assertThatThrownBy(() -> view.deleteRole(r -> r.roleName("a"))).isInstanceOf(UnsupportedOperationException.class);
    assertThat(signedBy).containsExactly("AKIDACCOUNTONE");
  }
}
