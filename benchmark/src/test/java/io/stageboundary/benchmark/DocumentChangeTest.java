package io.stageboundary.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DocumentChangeTest {
  /** Every stage of the samples gains the Deny, beta too, whose boundary has only the shared rules. */
  @Test
  void everyStageGainsOneDenyEvenOneWithoutStatementsOfItsOwn() throws Exception {
    StringBuilder manifests = new StringBuilder(Files.readString(Path.of("../samples/boundary-rules.yaml")));
    for (String stage : ScaleOrganization.STAGES) {
      manifests.append("\n---\n").append(Files.readString(Path.of("../samples/stage-" + stage + ".yaml")));
    }
    String edited = DocumentChange.withOneMoreDeny(manifests.toString());

    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<String> changed = new ArrayList<>();
    for (JsonNode doc : yaml.readerFor(JsonNode.class).<JsonNode>readValues(edited).readAll()) {
      if (!"Stage".equals(doc.path("kind").asText())) {
        assertThat(doc.toString()).doesNotContain(DocumentChange.SID);
        continue;
      }
      JsonNode statements = doc.path("spec").path("boundary").path("statements");
      assertThat(statements.findValuesAsText("sid")).contains(DocumentChange.SID);
      assertThat(doc.path("spec").path("boundary").path("include").isMissingNode())
          .as("what the stage included stays").isFalse();
      changed.add(doc.path("metadata").path("name").asText());
    }
    assertThat(changed).containsExactlyElementsOf(ScaleOrganization.STAGES);
  }
}
