package io.stageboundary.testenv;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Client of the emulator's admin API (/_sbo/...): reset, settings, faults, call log, seeding. */
public final class EmulatorAdmin {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI endpoint;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  EmulatorAdmin(URI endpoint) {
    this.endpoint = endpoint;
  }

  /** How many worker processes answer (each holds the state of the accounts it owns). */
  public int workers() {
    return call("GET", "health", null).path("workers").asInt(1);
  }

  /** Forgets everything: AWS state, StackSet operations, faults, the call log, settings. */
  public void reset() {
    call("POST", "reset", null);
  }

  /** How long a StackSet operation stays RUNNING, plus an amount per instance it touches. */
  public void setOperationTiming(double operationSeconds, double instanceSeconds) {
    call("PUT", "settings", Map.of("operationSeconds", operationSeconds,
        "instanceSeconds", instanceSeconds));
  }

  /** How long a stack created, updated or deleted through the API stays *_IN_PROGRESS (0: instant). */
  public void setStackSeconds(double seconds) {
    call("PUT", "settings", Map.of("stackSeconds", seconds));
  }

  /**
   * Whether IAM's simulation evaluates SCP statements whose conditions name global keys (aws:...):
   * true as the current CLI reference says, false as the IAM User Guide said ("You can't test AWS
   * Organizations service control policies (SCPs) with global condition keys").
   */
  public void setSimulateScpGlobalConditionKeys(boolean evaluated) {
    call("PUT", "settings", Map.of("simulateScpGlobalConditionKeys", evaluated ? 1 : 0));
  }

  /**
   * Per-account, per-region API rate limits (replacing any before): each rule a token bucket per
   * account and region that answers the service's own throttling error when empty.
   */
  public void setRateLimits(List<RateLimit> limits) {
    call("PUT", "rate-limits", limits.stream().map(RateLimit::toMap).toList());
  }

  public void clearRateLimits() {
    call("DELETE", "rate-limits", null);
  }

  /**
   * @param service cloudformation, iam, sts, organizations, ssm, or * for all
   * @param family read, write, or * for both (as the call log counts writes)
   */
  public record RateLimit(String service, String family, double perSecond, double burst) {
    Map<String, Object> toMap() {
      return Map.of("service", service, "family", family, "perSecond", perSecond, "burst", burst);
    }
  }

  public void addFault(Fault fault) {
    call("POST", "faults", fault.toMap());
  }

  public void clearFaults() {
    call("DELETE", "faults", null);
  }

  /** Makes StackSet operations fail for this account (all regions) with the given reason. */
  public void failInstancesIn(String account, String reason) {
    call("POST", "instance-failures", Map.of("account", account, "reason", reason));
  }

  /** An opt-in region enabled or disabled in an account at once (no ENABLING in between). */
  public void setRegionEnabled(String account, String region, boolean enabled) {
    call("PUT", "regions", Map.of("account", account, "region", region, "enabled", enabled));
  }

  public void clearInstanceFailures() {
    call("DELETE", "instance-failures", null);
  }

  public JsonNode seedOrganization(Map<String, Object> spec) {
    return call("POST", "organization", spec);
  }

  /** Every AWS call the emulator has answered (or faulted) since the last reset or clear. */
  public List<Call> calls() {
    JsonNode calls = call("GET", "calls", null).get("calls");
    List<Call> out = new ArrayList<>();
    for (JsonNode c : calls) {
      out.add(new Call(c.path("service").asText(null), c.path("action").asText(null),
          c.path("account").asText(null), c.path("region").asText(null),
          c.path("write").asBoolean(), c.path("fault").isNull() ? null : c.path("fault").asText()));
    }
    return out;
  }

  /** Calls that changed state and reached the emulator, per account. */
  public Map<String, Integer> writesPerAccount() {
    JsonNode node = call("GET", "calls", null).get("writesPerAccount");
    return JSON.convertValue(node, new TypeReference<LinkedHashMap<String, Integer>>() {});
  }

  public int totalWrites() {
    return writesPerAccount().values().stream().mapToInt(Integer::intValue).sum();
  }

  public void clearCalls() {
    call("DELETE", "calls", null);
  }

  public record Call(String service, String action, String account, String region, boolean write,
      String fault) {}

  /** A fault rule; null fields match everything. */
  public record Fault(String kind, String service, String action, String account, double rate,
      Integer latencyMs, Integer remaining, String code) {
    public static Fault throttle(String service, String action, double rate) {
      return new Fault("throttle", service, action, null, rate, null, null, null);
    }

    public static Fault unavailable(String service, double rate) {
      return new Fault("unavailable", service, null, null, rate, null, null, null);
    }

    public static Fault latency(String service, int millis) {
      return new Fault("latency", service, null, null, 1.0, millis, null, null);
    }

    public Fault times(int n) {
      return new Fault(kind, service, action, account, rate, latencyMs, n, code);
    }

    public Fault inAccount(String accountId) {
      return new Fault(kind, service, action, accountId, rate, latencyMs, remaining, code);
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", kind);
      m.put("service", service == null ? "*" : service);
      m.put("action", action == null ? "*" : action);
      m.put("account", account == null ? "*" : account);
      m.put("rate", rate);
      if (latencyMs != null) {
        m.put("latencyMs", latencyMs);
      }
      if (remaining != null) {
        m.put("remaining", remaining);
      }
      if (code != null) {
        m.put("code", code);
      }
      return m;
    }
  }

  private JsonNode call(String method, String path, Object body) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(endpoint.resolve("/_sbo/" + path))
          .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json");
      b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("emulator admin " + method + " " + path + " answered "
            + r.statusCode() + ": " + new String(r.body()));
      }
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
