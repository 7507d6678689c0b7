package io.stageboundary.operator.reconcile;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * StackSet operation ids derived from what the operation does, so the same work always has the
 * same id: a request repeated after a restart answers OperationIdAlreadyExistsException instead
 * of starting the work twice. {@code base} identifies the work, {@code attempt} counts deliberate
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
  public static String fingerprint(java.util.Collection<String> accounts) {
    return base("", "set", accounts.stream().sorted().toArray(String[]::new)).substring(8);
  }
}
