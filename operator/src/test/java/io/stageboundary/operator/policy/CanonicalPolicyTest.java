package io.stageboundary.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CanonicalPolicyTest {
  @Test
  void documentsIamTreatsTheSameCompareEqual() {
    String a = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":[\"*\"]},"
        + "{\"Effect\":\"Allow\",\"Action\":[\"ec2:B\",\"ec2:A\"],\"Resource\":\"*\"}]}";
    String b = "{\"Statement\":[{\"Resource\":\"*\",\"Effect\":\"Allow\",\"Action\":[\"ec2:A\",\"ec2:B\"]},"
        + "{\"Effect\":\"Deny\",\"Resource\":\"*\",\"Sid\":\"A\",\"Action\":[\"s3:*\"]}],\"Version\":\"2012-10-17\"}";
    assertThat(CanonicalPolicy.sameDocument(CanonicalPolicy.parse(a), CanonicalPolicy.parse(b))).isTrue();
    String c = b.replace("ec2:A", "ec2:C");
    assertThat(CanonicalPolicy.sameDocument(CanonicalPolicy.parse(a), CanonicalPolicy.parse(c))).isFalse();
  }

  @Test
  void parsesUrlEncodedDocumentsAsIamReturnsThem() {
    String raw = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"arn:aws:s3:::a+b\"}]}";
    String encoded = URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
    assertThat(CanonicalPolicy.parse(encoded)).isEqualTo(CanonicalPolicy.parse(raw));
    // raw JSON with a '+' must not be URL-decoded into a space
    assertThat(CanonicalPolicy.parse(raw).toString()).contains("a+b");
  }
}
