package io.stageboundary.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stageboundary.operator.MutableClock;
import io.stageboundary.operator.aws.AwsFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.sts.model.StsException;

/** A refused member role is remembered: one AssumeRole per backoff, not one per call, and picked up once it works. */
class MemberSessionTest {
  private static final String ROLE = "arn:aws:iam::200000000003:role/stage-boundary-member";

  @Test
  void aRefusedRoleIsAskedForOncePerBackoffAndPickedUpOnceItWorks() {
    AtomicInteger asked = new AtomicInteger();
    boolean[] exists = {false};
    AwsCredentialsProvider sts = () -> {
      asked.incrementAndGet();
      if (!exists[0]) {
        throw StsException.builder().statusCode(403).awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied")
            .errorMessage("User: x is not authorized to perform: sts:AssumeRole on resource: " + ROLE).build()).build();
      }
      return AwsBasicCredentials.create("AKIDEXAMPLE", "secret");
    };
    MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    MemberSession session = new MemberSession(ROLE, sts, Duration.ofMinutes(1), clock);

    assertThatThrownBy(session::resolveCredentials).isInstanceOfSatisfying(AwsFailure.class, f -> {
      assertThat(f.kind()).isEqualTo(AwsFailure.Kind.MEMBER_ROLE_UNAVAILABLE);
      assertThat(f.retryAt()).contains(clock.instant().plus(Duration.ofMinutes(1)));
      assertThat(f.getMessage()).contains(ROLE).doesNotContain("secret");
    });
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(session::resolveCredentials).isInstanceOf(AwsFailure.class);
    }
    assertThat(asked).as("remembered until the backoff has passed").hasValue(1);

    clock.advance(Duration.ofMinutes(1));
    assertThatThrownBy(session::resolveCredentials).isInstanceOfSatisfying(AwsFailure.class,
        f -> assertThat(f.retryAt()).as("doubled").contains(clock.instant().plus(Duration.ofMinutes(2))));
    assertThat(asked).hasValue(2);

    exists[0] = true;
    clock.advance(Duration.ofMinutes(2));
    AwsCredentials c = session.resolveCredentials();
    assertThat(c.accessKeyId()).isEqualTo("AKIDEXAMPLE");
    assertThat(session.resolveCredentials()).isNotNull();
  }
}
