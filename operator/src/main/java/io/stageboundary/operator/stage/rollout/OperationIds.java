package io.stageboundary.operator.stage.rollout;

import io.stageboundary.operator.api.v1alpha1.stage.StageStatus;
import io.stageboundary.operator.kube.Schedule;
import io.stageboundary.operator.stage.pass.OperationPhase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Optional;

/**
 * StackSet operation ids derived from what the operation does, so the same work always has the
 * same id: a request repeated after a restart answers OperationIdAlreadyExistsException instead
 * of starting the work twice. {@code base} identifies the work, the attempt counts deliberate
 * repeats (a retry after a failure, or the same change made again later).
 */
public final class OperationIds {
  private OperationIds() {}

  public static String base(String stageUid, String step, String... parts) {
    StringBuilder text = new StringBuilder(stageUid).append('|').append(step);
    for (String p : parts) {
      text.append('|').append(p);
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
      return "sbo-" + step + "-" + HexFormat.of().formatHex(d).substring(0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String id(String base, int attempt) {
    return base + "-" + attempt;
  }

  /** A short, order-independent fingerprint of a set of accounts. */
  public static String fingerprint(Collection<String> accounts) {
    return base("", "set", accounts.stream().sorted().toArray(String[]::new)).substring(8);
  }

  /**
   * The id to use for the work {@code base}, given the last operation in status.
   *
   * @param id the same id while the last attempt is open (follow it), the next one once it ended
   * @param notBefore when the last attempt of the same work failed: not before its backoff ends
   */
  public record Attempt(String id, Optional<Instant> notBefore) {}

  public static Attempt next(String base, StageStatus.Operation last, Schedule schedule) {
    if (last == null || last.id() == null || !last.id().startsWith(base + "-")) {
      return new Attempt(id(base, 0), Optional.empty());
    }
    int lastAttempt = attemptOf(last.id());
    OperationPhase phase = OperationPhase.of(last.status());
    int attempt = phase != null && phase.open() ? lastAttempt : lastAttempt + 1;
    Optional<Instant> notBefore = phase == OperationPhase.FAILED && last.endedAt() != null
        ? Optional.of(Instant.parse(last.endedAt()).plus(schedule.backoff(lastAttempt))) : Optional.empty();
    return new Attempt(id(base, attempt), notBefore);
  }

  static int attemptOf(String id) {
    int dash = id.lastIndexOf('-');
    try {
      return Integer.parseInt(id.substring(dash + 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
