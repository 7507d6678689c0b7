package io.stageboundary.operator.policy;

import io.stageboundary.operator.api.v1alpha1.stage.StageSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a stage's statements against the IAM catalogue, so a misspelled name can never pass
 * silently: a Deny of {@code confg:*} or a condition on a key no request carries denies nothing.
 * Every action and NotAction must name a service that exists and an action in it (a wildcard must
 * match at least one); every condition key must be global or belong to a service the statement's
 * actions name. Each problem says which statement and the nearest correct name.
 */
public final class CatalogueCheck {
  private CatalogueCheck() {}

  /**
   * What the stage's statements cover.
   *
   * @param catalogue where the catalogue comes from
   * @param actions per statement (its sid, or statements[i]) how many IAM actions it covers
   */
  public record Coverage(String catalogue, Map<String, Integer> actions) {}

  public static Coverage check(StageSpec.Boundary boundary, IamCatalogue catalogue) throws InvalidBoundaryException {
    List<String> problems = new ArrayList<>();
    List<String> allowed = boundary.allowedActions();
    if (allowed != null) {
      for (int i = 0; i < allowed.size(); i++) {
        expand("spec.boundary.allowedActions[" + i + "]", allowed.get(i), catalogue, problems);
      }
    }
    Map<String, Integer> coverage = new LinkedHashMap<>();
    List<StageSpec.Statement> own = boundary.statements() == null ? List.of() : boundary.statements();
    for (int i = 0; i < own.size(); i++) {
      StageSpec.Statement s = own.get(i);
      String path = "spec.boundary.statements[" + i + "]" + (s.sid() == null ? "" : " (" + s.sid() + ")");
      boolean not = s.actions() == null || s.actions().isEmpty();
      List<String> patterns = not ? s.notActions() : s.actions();
      Set<String> covered = new HashSet<>();
      Set<String> services = new HashSet<>();
      boolean anyService = not;
      for (String pattern : patterns) {
        covered.addAll(expand(path + (not ? ".notActions" : ".actions"), pattern, catalogue, problems));
        if (pattern.equals("*")) {
          anyService = true;
        } else {
          services.add(pattern.substring(0, pattern.indexOf(':')).toLowerCase(Locale.ROOT));
        }
      }
      coverage.put(s.sid() == null ? "statements[" + i + "]" : s.sid(),
          not ? catalogue.actionCount() - covered.size() : covered.size());
      if (s.conditions() != null) {
        for (Map<String, List<String>> keys : s.conditions().values()) {
          for (String key : keys == null ? Set.<String>of() : keys.keySet()) {
            checkKey(path + ".conditions", key, services, anyService, catalogue, problems);
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidBoundaryException(problems);
    }
    return new Coverage(catalogue.source(), coverage);
  }

  /** The actions (service:Name) a pattern names; a problem when it names none. */
  private static Set<String> expand(String path, String pattern, IamCatalogue catalogue, List<String> problems) {
    if (pattern.equals("*")) {
      return Set.of("*");
    }
    int colon = pattern.indexOf(':');
    String prefix = pattern.substring(0, colon);
    String name = pattern.substring(colon + 1);
    Optional<IamCatalogue.Service> service = catalogue.service(prefix);
    if (service.isEmpty()) {
      problems.add(path + ": '" + pattern + "' names no IAM service '" + prefix + "'"
          + nearest(prefix, catalogue.servicePrefixes()).map(p -> "; did you mean " + p + ":" + name + "?").orElse(""));
      return Set.of();
    }
    List<String> actions = IamCatalogue.matching(service.get(), name);
    if (actions.isEmpty()) {
      boolean wildcard = name.contains("*") || name.contains("?");
      problems.add(path + ": '" + pattern + "' " + (wildcard ? "matches no action of " : "is not an action of ")
          + service.get().prefix() + nearest(name.replace("*", "").replace("?", ""), service.get().actions())
              .map(a -> "; did you mean " + service.get().prefix() + ":" + a + "?").orElse(""));
      return Set.of();
    }
    Set<String> out = new HashSet<>();
    actions.forEach(a -> out.add(service.get().prefix() + ":" + a));
    return out;
  }

  private static void checkKey(String path, String key, Set<String> services, boolean anyService,
      IamCatalogue catalogue, List<String> problems) {
    if (catalogue.isGlobalKey(key)) {
      return;
    }
    int colon = key.indexOf(':');
    String prefix = colon < 0 ? key : key.substring(0, colon);
    Optional<IamCatalogue.Service> service = catalogue.service(prefix);
    if (service.isEmpty() || IamCatalogue.serviceKey(service.get(), key).isEmpty()) {
      List<String> candidates = new ArrayList<>(catalogue.globalKeys());
      service.ifPresent(s -> candidates.addAll(IamCatalogue.keysOf(s)));
      problems.add(path + ": '" + key + "' is not an IAM condition key"
          + nearest(key, candidates).map(k -> "; did you mean " + k + "?").orElse("")
          + " (a condition on a key no request carries never applies)");
      return;
    }
    if (!anyService && !services.contains(prefix.toLowerCase(Locale.ROOT))) {
      problems.add(path + ": '" + key + "' is a condition key of " + service.get().prefix()
          + ", which this statement's actions do not name: no request the statement matches carries it");
    }
  }

  /** The candidate closest to {@code name} (edit distance, case aside), if any is reasonably close. */
  static Optional<String> nearest(String name, Collection<String> candidates) {
    String n = name.toLowerCase(Locale.ROOT);
    return candidates.stream().min(Comparator.comparingInt((String c) -> distance(n, c.toLowerCase(Locale.ROOT))))
        .filter(c -> distance(n, c.toLowerCase(Locale.ROOT)) <= Math.max(2, n.length() / 3));
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
