package io.stageboundary.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DelegationPolicyTest {
  @Test
  void theDocumentedDelegationPolicyGrantsEverySCPActionToItsPrincipalOnly() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "iam", "delegation-policy.json"));
    assertThat(DelegationPolicy.missing(doc, "111111111111")).isEmpty();
    assertThat(DelegationPolicy.missing(doc, "222222222222")).containsExactlyElementsOf(DelegationPolicy.SCP_ACTIONS);
  }

  @Test
  void aPolicyTypeConditionForAnotherTypeOrAnUnknownConditionGrantsNothing() {
    String tagOnly = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},
         "Action":"organizations:*","Resource":"*","Condition":{"StringEquals":{"organizations:PolicyType":"TAG_POLICY"}}}]}""";
    assertThat(DelegationPolicy.missing(tagOnly, "111111111111")).hasSize(DelegationPolicy.SCP_ACTIONS.size());
    String unknown = tagOnly.replace("organizations:PolicyType\":\"TAG_POLICY", "aws:SourceIp\":\"10.0.0.1");
    assertThat(DelegationPolicy.missing(unknown, "111111111111")).hasSize(DelegationPolicy.SCP_ACTIONS.size());
  }

  @Test
  void aDenyTakesAnActionAway() {
    String doc = """
        {"Version":"2012-10-17","Statement":[
         {"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":["organizations:*"],"Resource":"*"},
         {"Effect":"Deny","Principal":{"AWS":"111111111111"},"Action":"organizations:DeletePolicy","Resource":"*"}]}""";
    assertThat(DelegationPolicy.missing(doc, "111111111111")).containsExactly("organizations:DeletePolicy");
  }
}
