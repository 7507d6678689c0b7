package io.stageboundary.operator.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A policy document in a form where two documents IAM treats the same compare equal: object keys
 * sorted, "x" and ["x"] the same for actions, resources, principals and condition values (sorted,
 * without duplicates), and statements in a stable order.
 */
public final class CanonicalPolicy {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> LIST_KEYS = Set.of("Action", "NotAction", "Resource", "NotResource");

  private CanonicalPolicy() {}

  /** Parses a document as IAM returns it: URL-encoded JSON, or raw JSON. */
  public static JsonNode parse(String document) {
    String text = document.strip();
    if (text.startsWith("%")) {
      text = URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON policy document: " + e.getOriginalMessage(), e);
    }
  }

  /** A document's statements: its Statement array, or the one statement it holds as an object. */
  static List<JsonNode> statements(JsonNode doc) {
    JsonNode s = doc.path("Statement");
    List<JsonNode> out = new ArrayList<>();
    if (s.isArray()) {
      s.forEach(out::add);
    } else if (s.isObject()) {
      out.add(s);
    }
    return out;
  }

  public static JsonNode normalize(JsonNode doc) {
    ObjectNode out = (ObjectNode) sortKeys(doc);
    JsonNode statements = out.get("Statement");
    if (statements != null) {
      List<JsonNode> list = new ArrayList<>();
      (statements.isArray() ? statements : JsonNodeFactory.instance.arrayNode().add(statements))
          .forEach(s -> list.add(normalizeStatement(s)));
      list.sort(Comparator.comparing(JsonNode::toString));
      ArrayNode array = JsonNodeFactory.instance.arrayNode();
      list.forEach(array::add);
      out.set("Statement", array);
    }
    return out;
  }

  public static boolean sameDocument(JsonNode a, JsonNode b) {
    return normalize(a).equals(normalize(b));
  }

  /** The first 12 hex digits of the text's SHA-256: how revisions are named. */
  public static String hash(String text) {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d).substring(0, 12);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Compact JSON with keys sorted; used to hash a document into a revision. */
  public static String canonicalJson(JsonNode doc) {
    return sortKeys(doc).toString();
  }

  private static JsonNode normalizeStatement(JsonNode statement) {
    if (!statement.isObject()) {
      return statement;
    }
    ObjectNode s = (ObjectNode) sortKeys(statement);
    for (String key : LIST_KEYS) {
      if (s.has(key)) {
        s.set(key, sortedSet(s.get(key)));
      }
    }
    JsonNode condition = s.get("Condition");
    if (condition != null && condition.isObject()) {
      ObjectNode c = JsonNodeFactory.instance.objectNode();
      condition.fields().forEachRemaining(op -> {
        ObjectNode keys = JsonNodeFactory.instance.objectNode();
        op.getValue().fields().forEachRemaining(k -> keys.set(k.getKey(), sortedSet(k.getValue())));
        c.set(op.getKey(), keys);
      });
      s.set("Condition", sortKeys(c));
    }
    return s;
  }

  private static JsonNode sortedSet(JsonNode value) {
    if (!value.isArray() && !value.isValueNode()) {
      return value;
    }
    TreeSet<String> items = new TreeSet<>();
    if (value.isArray()) {
      value.forEach(v -> items.add(v.asText()));
    } else {
      items.add(value.asText());
    }
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    items.forEach(out::add);
    return out;
  }

  private static JsonNode sortKeys(JsonNode node) {
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      node.fields().forEachRemaining(e -> sorted.put(e.getKey(), sortKeys(e.getValue())));
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      sorted.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> out.add(sortKeys(n)));
      return out;
    }
    return node;
  }
}
