package io.stageboundary.benchmark;

import io.stageboundary.testenv.EmulatorAdmin;
import io.stageboundary.testenv.PeerLayout;
import io.stageboundary.testenv.Peers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A boundary document change on a converged organisation: every stage gains one Deny statement,
 * applied as a team would (kubectl apply of the edited manifests), and the run waits until every
 * Stage is Ready for its new generation. The change needs a StackSet UPDATE of the policy and
 * nothing of the bootstrap stacks (the boundary's name is unchanged), so the target is all Ready
 * within 1.2 × that UPDATE's own time, with 0 bootstrap stack writes.
 *
 * @param seconds from the apply until every Stage is Ready again
 * @param rolloutSeconds the longest StackSet UPDATE of the change, as CloudFormation reports it
 * @param bootstrapWrites CloudFormation stack writes (CreateStack, UpdateStack, change sets, DeleteStack)
 * @param calls every AWS call the emulator answered meanwhile
 */
record DocumentChange(double seconds, double rolloutSeconds, long bootstrapWrites, long calls) {
  static final String SID = "BenchmarkDenyDeleteVpc";
  private static final Set<String> STACK_WRITES = Set.of("cloudformation:CreateStack", "cloudformation:UpdateStack",
      "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:DeleteStack");

  static DocumentChange measure(Peers peers, EmulatorAdmin emulator, OperatorUnderTest op, Path log, Path dir,
      PeerLayout layout, ScaleOrganization org, int perStage) throws IOException {
    Path manifests = BenchmarkMain.writeManifests(dir, layout, org);
    String edited = withOneMoreDeny(Files.readString(manifests));
    Path file = dir.resolve("manifests-changed.yaml");
    Files.writeString(file, edited);
    emulator.clearCalls();
    Instant applied = Instant.now();
    long start = System.nanoTime();
    peers.kube().kubectl("apply", "--server-side", "-f", file.toString());
    BenchmarkMain.progress("boundary document change applied (one more Deny per stage); waiting for every stage");
    Waits.allReady(peers.kubeClient(), op, log, Math.max(1800, perStage * 6L));
    double seconds = BenchmarkMain.seconds(start);
    List<EmulatorAdmin.Call> calls = emulator.calls();
    long writes = calls.stream().filter(c -> STACK_WRITES.contains(c.service() + ":" + c.action())).count();
    double rollout = StackSetRollouts.longestSince(peers, applied);
    BenchmarkMain.progress("document change: all Ready after %.1f s; StackSet UPDATE %.0f s; %d bootstrap stack writes",
        seconds, rollout, writes);
    return new DocumentChange(seconds, rollout, writes, calls.size());
  }

  /**
   * The manifests with one more Deny in every Stage's own statements; a Stage that has none of its
   * own (it only includes shared rules, as beta does) gets a list with this one.
   */
  static String withOneMoreDeny(String manifests) {
    String deny = "      - {sid: " + SID + ", effect: Deny, actions: [\"ec2:DeleteVpc\"], resources: [\"*\"]}\n";
    StringBuilder out = new StringBuilder();
    for (String doc : manifests.split("(?m)^---\n", -1)) {
      if (!out.isEmpty()) {
        out.append("---\n");
      }
      if (!doc.contains("\nkind: Stage\n") && !doc.startsWith("kind: Stage\n")) {
        out.append(doc);
      } else if (doc.contains("    statements:\n")) {
        out.append(doc.replace("    statements:\n", "    statements:\n" + deny));
      } else {
        out.append(doc.replace("\n  targets:\n", "\n    statements:\n" + deny + "  targets:\n"));
      }
    }
    if (out.toString().split(SID, -1).length - 1 != ScaleOrganization.STAGES.size()) {
      throw new IllegalStateException("the document change did not reach every stage's manifest");
    }
    return out.toString();
  }
}
