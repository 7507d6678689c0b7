package io.stageboundary.operator.cdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The official CDK bootstrap template, copied at build time from the pinned aws-cdk package
 * (hack/cdk-template.sh), so an upgrade installs exactly what {@code cdk bootstrap} would.
 */
public final class BootstrapTemplate {
  /** The BootstrapVariant of the official template; other variants are never overwritten. */
  public static final String DEFAULT_VARIANT = "AWS CDK: Default Resources";

  private static volatile BootstrapTemplate pinned;
  private final String body;
  private final int version;
  private final String awsCdkVersion;
  private final Set<String> parameters;

  BootstrapTemplate(String body, int version, String awsCdkVersion) {
    this.body = body;
    this.version = version;
    this.awsCdkVersion = awsCdkVersion;
    this.parameters = parameterNames(body);
  }

  public static BootstrapTemplate pinned() {
    if (pinned == null) {
      synchronized (BootstrapTemplate.class) {
        if (pinned == null) {
          pinned = load();
        }
      }
    }
    return pinned;
  }

  private static BootstrapTemplate load() {
    ClassLoader cl = BootstrapTemplate.class.getClassLoader();
    try (InputStream t = cl.getResourceAsStream("cdk/bootstrap-template.yaml");
        InputStream p = cl.getResourceAsStream("cdk/bootstrap-template.properties")) {
      if (t == null || p == null) {
        throw new IllegalStateException("the CDK bootstrap template is missing from the build "
            + "(cdk/bootstrap-template.yaml); build with ./mvnw, which extracts it");
      }
      Properties props = new Properties();
      props.load(p);
      return new BootstrapTemplate(new String(t.readAllBytes(), StandardCharsets.UTF_8),
          Integer.parseInt(props.getProperty("bootstrap.version")), props.getProperty("aws-cdk.version"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String body() {
    return body;
  }

  public int version() {
    return version;
  }

  public String awsCdkVersion() {
    return awsCdkVersion;
  }

  /** Parameter names the template declares. */
  public Set<String> parameters() {
    return parameters;
  }

  static Set<String> parameterNames(String yaml) {
    Set<String> out = new LinkedHashSet<>();
    boolean inParameters = false;
    Matcher m;
    Pattern key = Pattern.compile("^  ([A-Za-z0-9]+):\\s*$");
    for (String line : yaml.split("\n")) {
      if (line.startsWith("Parameters:")) {
        inParameters = true;
        continue;
      }
      if (inParameters && !line.isEmpty() && !line.startsWith(" ") && !line.startsWith("#")) {
        break;
      }
      if (inParameters && (m = key.matcher(line)).matches()) {
        out.add(m.group(1));
      }
    }
    return out;
  }
}
