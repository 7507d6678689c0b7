package io.stageboundary.operator.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pace after throttling: halved per throttled call down to a floor, back by a twentieth per call that went through. */
class CallRatesTest {

  @Test
  void throttlingHalvesThePaceOfThatAccountAndServiceDownToTheFloorAndCallsThatGoThroughBringItBack() {
    CallRates.Limiter rates = new CallRates(10, 0).limiter();
    rates.throttled("a", "iam");
    assertThat(rates.slowedTo("a", "iam")).hasValue(5.0);
    for (int i = 0; i < 10; i++) {
      rates.throttled("a", "iam");
    }
    assertThat(rates.slowedTo("a", "iam")).hasValue(CallRates.Limiter.FLOOR);
    assertThat(rates.slowedTo("b", "iam")).isEmpty();
    rates.succeeded("a", "iam");
    assertThat(rates.slowedTo("a", "iam")).hasValue(CallRates.Limiter.FLOOR + 0.5);
    for (int i = 0; i < 20; i++) {
      rates.succeeded("a", "iam");
    }
    assertThat(rates.slowedTo("a", "iam")).isEmpty();
  }

  @Test
  void withoutAPerAccountRateAThrottledAccountStillSlowsDown() {
    CallRates.Limiter rates = new CallRates(0, 0).limiter();
    rates.throttled("a", "cloudformation");
    assertThat(rates.slowedTo("a", "cloudformation")).hasValue(CallRates.Limiter.UNSET_CEILING / 2);
  }
}
