package io.stageboundary.operator.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a change of a boundary document does to access, action by action over IAM's catalogue: the
 * actions the boundary newly allows and those it newly denies, counted per service. It answers the
 * question AWS Access Analyzer's check-no-new-access answers, before anything reaches AWS.
 *
 * <p>An action is allowed by a boundary when an Allow statement names it (Action, or left out of
 * NotAction) and no Deny statement does. Resources and conditions are set aside: a Deny scoped to
 * some resources or conditions counts as denying, so "newly allowed" never claims more access than
 * the change gives, and a statement lifted or added with a condition shows as one change.
 */
public final class AccessChanges {
  /** At most this many example actions per service and direction. */
  static final int EXAMPLES = 3;

  private AccessChanges() {}

  /** One service's changes: how many actions become allowed, how many denied, and a few of each. */
  public record ServiceChange(String service, int allowed, int denied, List<String> allowedExamples,
      List<String> deniedExamples) {}

  /** The changes from {@code before} to {@code after} (policy documents), by service prefix. */
  public static List<ServiceChange> between(JsonNode before, JsonNode after, IamCatalogue catalogue) {
    Matcher was = new Matcher(before);
    Matcher now = new Matcher(after);
    Map<String, ServiceChange> out = new TreeMap<>();
    for (String prefix : catalogue.servicePrefixes()) {
      IamCatalogue.Service service = catalogue.service(prefix).orElseThrow();
      int allowed = 0;
      int denied = 0;
      List<String> allowedEx = new ArrayList<>();
      List<String> deniedEx = new ArrayList<>();
      for (String name : service.actions()) {
        String action = service.prefix() + ":" + name;
        boolean a = was.allows(action);
        boolean b = now.allows(action);
        if (!a && b) {
          allowed++;
          if (allowedEx.size() < EXAMPLES) {
            allowedEx.add(action);
          }
        } else if (a && !b) {
          denied++;
          if (deniedEx.size() < EXAMPLES) {
            deniedEx.add(action);
          }
        }
      }
      if (allowed + denied > 0) {
        out.put(service.prefix(), new ServiceChange(service.prefix(), allowed, denied, List.copyOf(allowedEx),
            List.copyOf(deniedEx)));
      }
    }
    return List.copyOf(out.values());
  }

  /**
   * One line per service and direction, e.g. "+102 config action(s) allowed (e.g. config:PutConfigRule)";
   * one line saying so when nothing changes.
   */
  public static List<String> lines(List<ServiceChange> changes) {
    List<String> out = new ArrayList<>();
    changes.forEach(c -> {
      if (c.allowed() > 0) {
        out.add("+" + c.allowed() + " " + c.service() + " action(s) allowed (e.g. " + String.join(", ", c.allowedExamples()) + ")");
      }
      if (c.denied() > 0) {
        out.add("-" + c.denied() + " " + c.service() + " action(s) denied (e.g. " + String.join(", ", c.deniedExamples()) + ")");
      }
    });
    return out.isEmpty() ? List.of("no change in what the boundary allows") : out;
  }

  /** Whether a document's statements allow an action, resources and conditions aside. */
  private static final class Matcher {
    private final List<Statement> allows = new ArrayList<>();
    private final List<Statement> denies = new ArrayList<>();

    Matcher(JsonNode doc) {
      for (JsonNode st : doc.path("Statement")) {
        Statement s = new Statement(patterns(st.get("Action")), patterns(st.get("NotAction")));
        ("Deny".equals(st.path("Effect").asText()) ? denies : allows).add(s);
      }
    }

    boolean allows(String action) {
      return allows.stream().anyMatch(s -> s.names(action)) && denies.stream().noneMatch(s -> s.names(action));
    }

    private static List<Pattern> patterns(JsonNode node) {
      if (node == null || node.isNull()) {
        return null;
      }
      List<Pattern> out = new ArrayList<>();
      (node.isArray() ? node : List.of(node)).forEach(n -> out.add(IamCatalogue.glob(n.asText())));
      return out;
    }
  }

  private record Statement(List<Pattern> action, List<Pattern> notAction) {
    boolean names(String action) {
      if (this.action != null) {
        return this.action.stream().anyMatch(p -> p.matcher(action).matches());
      }
      return notAction != null && notAction.stream().noneMatch(p -> p.matcher(action).matches());
    }
  }
}
