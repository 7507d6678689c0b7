package io.stageboundary.operator.monitoring;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names a PromQL expression (or a Grafana label_values query) reads. */
public final class PromQueries {
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
      "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  private PromQueries() {}

  public static Set<String> metricNames(String expr) {
    Set<String> out = new TreeSet<>();
    Matcher lv = LABEL_VALUES.matcher(expr);
    if (lv.find()) {
      out.add(lv.group(1));
      return out;
    }
    String s = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")   // strings
        .replaceAll("\\{[^}]*}", " ")                             // label matchers
        .replaceAll("\\[[^]]*]", " ")                             // ranges
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String id = m.group();
      int next = m.end();
      while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
        next++;
      }
      boolean call = next < s.length() && s.charAt(next) == '(';
      boolean number = m.start() > 0 && (Character.isDigit(s.charAt(m.start() - 1)) || s.charAt(m.start() - 1) == '.');
      if (!call && !number && !KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT))) {
        out.add(id);
      }
    }
    return out;
  }

  /** The series names in a Prometheus text exposition. */
  public static Set<String> exported(String exposition) {
    Set<String> out = new TreeSet<>();
    for (String line : exposition.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = IDENT.matcher(line);
      if (m.lookingAt()) {
        out.add(m.group());
      }
    }
    return out;
  }

  /** One series of an exposition: name, labels, value. */
  public record Series(String name, Map<String, String> labels, double value) {}

  private static final Pattern SERIES = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)(\\s+\\d+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:\\\\.|[^\"\\\\])*)\"");

  public static List<Series> parse(String exposition) {
    List<Series> out = new java.util.ArrayList<>();
    for (String line : exposition.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SERIES.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a series: " + line);
      }
      Map<String, String> labels = new java.util.TreeMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      out.add(new Series(m.group(1), labels, Double.parseDouble(m.group(4))));
    }
    return out;
  }

  /** The value of the one series called name whose labels include the given ones. */
  public static java.util.Optional<Double> value(String exposition, String name, Map<String, String> labels) {
    List<Series> found = parse(exposition).stream().filter(s -> s.name().equals(name)
        && s.labels().entrySet().containsAll(labels.entrySet())).toList();
    if (found.size() > 1) {
      throw new IllegalArgumentException(found.size() + " series " + name + " match " + labels + ": " + found);
    }
    return found.stream().findFirst().map(Series::value);
  }
}
