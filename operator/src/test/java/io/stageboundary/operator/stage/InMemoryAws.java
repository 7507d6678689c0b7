package io.stageboundary.operator.stage;

import io.stageboundary.operator.aws.AwsFailure;
import io.stageboundary.operator.aws.BootstrapStacks;
import io.stageboundary.operator.aws.BoundaryPolicies;
import io.stageboundary.operator.aws.BoundaryStackSets;
import io.stageboundary.operator.aws.OrganizationAws;
import io.stageboundary.operator.aws.OrganizationDirectory;
import io.stageboundary.operator.aws.OrganizationSnapshot;
import io.stageboundary.operator.aws.ServiceControlPolicies;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Our AWS ports in memory, for unit tests of the Stage controller's decisions (Flink's
 * TestingFlinkService, for this operator). Not AWS: StackSet operations run until {@link #finish()},
 * their effect shows at once; the end-to-end tests check the real semantics on the emulator. Every
 * write is recorded in {@link #writes}.
 */
final class InMemoryAws implements OrganizationAws {
  static final String REGION = "us-east-1";
  final List<String> writes = java.util.Collections.synchronizedList(new ArrayList<>());
  final Map<String, OrganizationSnapshot.Ou> ous = new LinkedHashMap<>();
  final Map<String, OrganizationSnapshot.Account> accounts = new LinkedHashMap<>();
  final Map<String, FakeStackSet> stackSets = new ConcurrentHashMap<>();
  /** account → policy ARN → default document */
  final Map<String, Map<String, String>> policies = new ConcurrentHashMap<>();
  /** "account/region" → bootstrap stack */
  final Map<String, FakeStack> stacks = new ConcurrentHashMap<>();
  /** What a stack instance's policy holds once deployed: the rendered document of the account. */
  Function<String, String> deployedDocument = account -> "{}";
  /** The organisation's SCPs by id. */
  final Map<String, FakeScp> scps = new ConcurrentHashMap<>();
  /** SCPs someone else attached directly to a target, by target (count toward AWS's five). */
  final Map<String, Integer> otherScps = new ConcurrentHashMap<>();
  boolean scpEnabled = true;
  /**
   * Per member account, when the operator took a session there (STS AssumeRole): at a call when it
   * held none that served calls any more (an hour, the last five minutes not used, as the SDK does).
   */
  final Map<String, List<Instant>> sessions = new ConcurrentHashMap<>();
  static final Duration SESSION_SERVES = Duration.ofMinutes(55);
  /** ListStackInstances calls (reads, not writes). */
  final java.util.concurrent.atomic.AtomicInteger instanceListings = new java.util.concurrent.atomic.AtomicInteger();

  static final class FakeScp {
    final String id;
    final String name;
    String content;
    final Map<String, String> tags;
    final java.util.Set<String> targets = new java.util.TreeSet<>();

    FakeScp(String id, String name, String content, Map<String, String> tags) {
      this.id = id;
      this.name = name;
      this.content = content;
      this.tags = Map.copyOf(tags);
    }
  }

  /** Answers every StackSet write with this failure while set. */
  AwsFailure.Kind refuseStackSetWrites;
  private final Clock clock;

  InMemoryAws(Clock clock) {
    this.clock = clock;
    ous.put("r-root", new OrganizationSnapshot.Ou("r-root", "Root", null));
  }

  InMemoryAws ou(String id, String parent) {
    ous.put(id, new OrganizationSnapshot.Ou(id, id, parent));
    return this;
  }

  InMemoryAws account(String id, String parent) {
    accounts.put(id, new OrganizationSnapshot.Account(id, "acct-" + id, parent, true));
    return this;
  }

  /** A bootstrap stack as `cdk bootstrap` leaves it, with its execution role. */
  InMemoryAws bootstrapped(String account, String region, String boundary) {
    FakeStack s = new FakeStack();
    s.parameters.put("InputPermissionsBoundary", boundary);
    s.parameters.put("ApplyPermissionsBoundaryToAllRoles", "false");
    s.parameters.put("BootstrapVariant", "AWS CDK: Default Resources");
    s.parameters.put("Qualifier", "hnb659fds");
    s.roleBoundary = boundary.isEmpty() ? "" : "arn:aws:iam::" + account + ":policy/" + boundary;
    stacks.put(account + "/" + region, s);
    return this;
  }

  /** Ends every running operation as SUCCEEDED (a stopping one as STOPPED). */
  void finish() {
    stackSets.values().forEach(s -> s.operations.replaceAll((id, op) -> op.running()
        ? new BoundaryStackSets.OperationView(op.id(), op.action(), "STOPPING".equals(op.status()) ? "STOPPED"
            : "SUCCEEDED", op.created(), clock.instant(), null)
        : op));
  }

  List<String> writesOf(String prefix) {
    return writes.stream().filter(w -> w.startsWith(prefix)).toList();
  }

  @Override
  public String region() {
    return REGION;
  }

  @Override
  public String callerAccountId() {
    return "111111111111";
  }

  @Override
  public OrganizationDirectory directory() {
    return () -> new OrganizationSnapshot("o-test", "123456789012", "r-root", Map.copyOf(ous), Map.copyOf(accounts),
        clock.instant(), scpEnabled);
  }

  @Override
  public BoundaryStackSets stackSets() {
    return stackSetsPort;
  }

  @Override
  public ServiceControlPolicies serviceControlPolicies() {
    return new ServiceControlPolicies() {
      @Override
      public Optional<Scp> find(String name) {
        return scps.values().stream().filter(p -> p.name.equals(name)).findFirst().flatMap(p -> describe(p.id));
      }

      @Override
      public Optional<Scp> describe(String id) {
        return Optional.ofNullable(scps.get(id)).map(p -> new Scp(p.id, p.name, p.content, p.tags));
      }

      @Override
      public java.util.Set<String> targets(String policyId) {
        return java.util.Set.copyOf(scps.get(policyId).targets);
      }

      @Override
      public int attachedTo(String targetId) {
        return otherScps.getOrDefault(targetId, 1) + (int) scps.values().stream().filter(p -> p.targets.contains(targetId)).count();
      }

      @Override
      public String create(String name, String description, String content, Map<String, String> tags) {
        writes.add("CreateScp " + name);
        String id = "p-" + (scps.size() + 1000);
        scps.put(id, new FakeScp(id, name, content, tags));
        return id;
      }

      @Override
      public void update(String policyId, String content) {
        writes.add("UpdateScp " + policyId);
        scps.get(policyId).content = content;
      }

      @Override
      public void attach(String policyId, String targetId) {
        writes.add("AttachScp " + targetId);
        scps.get(policyId).targets.add(targetId);
      }

      @Override
      public void detach(String policyId, String targetId) {
        writes.add("DetachScp " + targetId);
        scps.get(policyId).targets.remove(targetId);
      }

      @Override
      public void delete(String policyId) {
        writes.add("DeleteScp " + policyId);
        scps.remove(policyId);
      }

      @Override
      public Optional<String> delegationPolicy() {
        return Optional.empty();
      }
    };
  }

  /** Whether an SCP of ours sits on the account or an OU above it. */
  private boolean guarded(String account) {
    java.util.Set<String> path = new java.util.HashSet<>(directory().read().pathTo(account));
    return scps.values().stream().anyMatch(p -> p.targets.stream().anyMatch(path::contains));
  }

  @Override
  public BoundaryPolicies policies(String accountId) {
    Map<String, String> held = policies.computeIfAbsent(accountId, a -> new ConcurrentHashMap<>());
    return new BoundaryPolicies() {
      @Override
      public Optional<Version> defaultVersion(String policyArn, String likely) {
        session(accountId);
        return Optional.ofNullable(held.get(policyArn)).map(d -> new Version("v1", d));
      }

      @Override
      public Optional<Existing> existing(String policyArn) {
        session(accountId);
        return Optional.ofNullable(held.get(policyArn)).map(d -> new Existing(0, 0));
      }

      @Override
      public void restoreDocument(String policyArn, String document) {
        session(accountId);
        writes.add("CreatePolicyVersion " + accountId);
        held.put(policyArn, document);
      }

      @Override
      public void recreate(String policyName, String description, String document) {
        session(accountId);
        writes.add("CreatePolicy " + accountId);
        held.put("arn:aws:iam::" + accountId + ":policy/" + policyName, document);
      }
    };
  }

  @Override
  public BootstrapStacks bootstrapStacks(String accountId, String region) {
    String key = accountId + "/" + region;
    return new BootstrapStacks() {
      @Override
      public Optional<String> stackOwning(String physicalResourceId) {
        session(accountId);
        return Optional.empty();
      }

      @Override
      public Optional<StackView> describe(String stackName) {
        session(accountId);
        FakeStack s = stacks.get(key);
        return s == null ? Optional.empty() : Optional.of(new StackView(stackName, s.status, null,
            Map.copyOf(s.parameters), Optional.of(s.version)));
      }

      @Override
      public boolean update(String stackName, Optional<String> templateBody, Map<String, String> parameters) {
        session(accountId);
        FakeStack s = stacks.get(key);
        Map<String, String> next = new LinkedHashMap<>(s.parameters);
        parameters.forEach((k, v) -> {
          if (v != null) {
            next.put(k, v);
          }
        });
        if (next.equals(s.parameters) && templateBody.isEmpty()) {
          return false;
        }
        writes.add("UpdateStack " + key + " " + next.get("InputPermissionsBoundary"));
        s.parameters.putAll(next);
        String boundary = next.get("InputPermissionsBoundary");
        s.roleBoundary = boundary == null || boundary.isEmpty() ? "" : "arn:aws:iam::" + accountId + ":policy/" + boundary;
        s.status = "UPDATE_COMPLETE";
        return true;
      }

      @Override
      public void create(String stackName, String templateBody, Map<String, String> parameters) {
        session(accountId);
        writes.add("CreateStack " + key);
      }

      @Override
      public Optional<String> roleBoundary(String roleName) {
        session(accountId);
        FakeStack s = stacks.get(key);
        return s == null ? Optional.empty() : Optional.of(s.roleBoundary);
      }

      @Override
      public void putRoleBoundary(String roleName, String policyArn) {
        session(accountId);
        writes.add("PutRolePermissionsBoundary " + key);
        stacks.get(key).roleBoundary = policyArn;
      }

      /** Not an evaluator: the boundary holds whenever the role carries one (real decisions: the emulator). */
      @Override
      public List<Simulated> simulate(String roleName, List<String> actions, List<String> resources,
          Map<String, List<String>> context) {
        session(accountId);
        writes.add("SimulatePrincipalPolicy " + key);
        boolean bounded = !stacks.get(key).roleBoundary.isEmpty();
        boolean withBoundary = context.containsKey("iam:PermissionsBoundary");
        List<Simulated> out = new ArrayList<>();
        for (String a : actions) {
          for (String r : resources) {
            boolean member = roleName.equals("stage-boundary-member");
            Boolean byOrganizations = guarded(accountId) ? member : null;
            out.add(new Simulated(a, r, withBoundary || member ? Decision.ALLOWED
                : bounded || Boolean.FALSE.equals(byOrganizations) ? Decision.EXPLICIT_DENY : Decision.ALLOWED,
                member ? null : bounded ? withBoundary : null, List.of(), byOrganizations));
          }
        }
        return out;
      }

      @Override
      public boolean managedPolicyExists(String policyArn) {
        session(accountId);
        return policyArn.contains(":aws:policy/") || policies.getOrDefault(accountId, Map.of()).containsKey(policyArn);
      }

      @Override
      public Optional<Integer> bootstrapVersion(String qualifier) {
        session(accountId);
        return Optional.ofNullable(stacks.get(key)).map(s -> s.version);
      }
    };
  }

  /** A call in the member account: on the session held, or a new one. */
  private void session(String accountId) {
    Instant now = clock.instant();
    sessions.compute(accountId, (a, taken) -> {
      List<Instant> out = taken == null ? new ArrayList<>() : taken;
      if (out.isEmpty() || !out.get(out.size() - 1).plus(SESSION_SERVES).isAfter(now)) {
        out.add(now);
      }
      return out;
    });
  }

  @Override
  public Optional<Instant> sessionReusableUntil(String accountId) {
    List<Instant> taken = sessions.get(accountId);
    Instant now = clock.instant();
    return taken == null || taken.isEmpty() ? Optional.empty()
        : Optional.of(taken.get(taken.size() - 1).plus(SESSION_SERVES)).filter(until -> until.isAfter(now));
  }

  @Override
  public void close() {
  }

  static final class FakeStack {
    String status = "UPDATE_COMPLETE";
    int version = 30;
    String roleBoundary = "";
    final Map<String, String> parameters = new LinkedHashMap<>();
  }

  static final class FakeStackSet {
    final String id;
    String template;
    final Map<String, BoundaryStackSets.InstanceView> instances = new ConcurrentHashMap<>();
    final Map<String, BoundaryStackSets.OperationView> operations = new LinkedHashMap<>();
    /** Per account, the parameters its instance overrides. */
    final Map<String, Map<String, String>> overrides = new ConcurrentHashMap<>();

    FakeStackSet(String id, String template) {
      this.id = id;
      this.template = template;
    }
  }

  private final BoundaryStackSets stackSetsPort = new BoundaryStackSets() {
    @Override
    public Optional<StackSetView> describe(String name) {
      FakeStackSet s = stackSets.get(name);
      return s == null ? Optional.empty() : Optional.of(new StackSetView(name, s.id, s.template, "ACTIVE"));
    }

    @Override
    public boolean acceptsDelegatedAdmin() {
      return true;
    }

    @Override
    public String create(String name, String templateBody, String description, Map<String, String> tags) {
      writes.add("CreateStackSet " + name);
      stackSets.put(name, new FakeStackSet(name + ":id", templateBody));
      return name + ":id";
    }

    @Override
    public void updateTemplate(String name, String templateBody, OperationPreferences prefs, String operationId) {
      start(name, "UPDATE", operationId, s -> s.template = templateBody);
    }

    @Override
    public void updateInstances(String name, Collection<Target> targets, String region, OperationPreferences prefs,
        String operationId) {
      start(name, "UPDATE", operationId, s -> { });
    }

    @Override
    public void createInstances(String name, Collection<Target> targets, String region, OperationPreferences prefs,
        String operationId) {
      start(name, "CREATE", operationId, s -> targets.forEach(t -> {
        s.instances.put(t.accountId(), new InstanceView(t.accountId(), region, t.organizationalUnitId(), "CURRENT",
            "SUCCEEDED", null, "NOT_CHECKED", operationId));
        policies.computeIfAbsent(t.accountId(), a -> new ConcurrentHashMap<>()).put(policyArnIn(s, t.accountId()),
            deployedDocument.apply(t.accountId()));
      }));
    }

    @Override
    public void deleteInstances(String name, Collection<Target> targets, String region, boolean retainStacks,
        OperationPreferences prefs, String operationId) {
      start(name, "DELETE", operationId, s -> targets.forEach(t -> s.instances.remove(t.accountId())));
    }

    @Override
    public List<InstanceView> instances(String name) {
      instanceListings.incrementAndGet();
      return List.copyOf(stackSets.get(name).instances.values());
    }

    @Override
    public Map<String, String> parameterOverrides(String name, String accountId, String region) {
      FakeStackSet s = stackSets.get(name);
      return s == null ? Map.of() : Map.copyOf(s.overrides.getOrDefault(accountId, Map.of()));
    }

    @Override
    public void overrideParameters(String name, Collection<Target> targets, String region, Map<String, String> overrides,
        OperationPreferences prefs, String operationId) {
      start(name, "OVERRIDE", operationId, s -> targets.forEach(t -> s.overrides.put(t.accountId(), Map.copyOf(overrides))));
    }

    @Override
    public void detectDrift(String name, OperationPreferences prefs, String operationId) {
      start(name, "DETECT_DRIFT", operationId, s -> { });
    }

    @Override
    public void stop(String name, String operationId) {
      writes.add("StopStackSetOperation " + operationId);
      stackSets.get(name).operations.computeIfPresent(operationId, (id, op) -> op.running()
          ? new BoundaryStackSets.OperationView(id, op.action(), "STOPPING", op.created(), null, null) : op);
    }

    @Override
    public Optional<OperationView> operation(String name, String operationId) {
      return Optional.ofNullable(stackSets.get(name).operations.get(operationId));
    }

    @Override
    public List<ResultView> results(String name, String operationId) {
      return List.of();
    }

    @Override
    public void delete(String name) {
      writes.add("DeleteStackSet " + name);
      stackSets.remove(name);
    }
  };

  /** AWS's rules for starting an operation: one at a time, and an id starts work once. */
  private void start(String name, String action, String operationId, java.util.function.Consumer<FakeStackSet> effect) {
    FakeStackSet s = stackSets.get(name);
    if (refuseStackSetWrites != null) {
      throw new AwsFailure(refuseStackSetWrites, "Refused", "CloudFormation " + action + " failed: refused", null);
    }
    if (s.operations.containsKey(operationId)) {
      throw new AwsFailure(AwsFailure.Kind.ALREADY_EXISTS, "OperationIdAlreadyExistsException", "exists", null);
    }
    if (s.operations.values().stream().anyMatch(BoundaryStackSets.OperationView::running)) {
      throw new AwsFailure(AwsFailure.Kind.BUSY, "OperationInProgressException", "another operation is running", null);
    }
    writes.add(action + " " + operationId);
    s.operations.put(operationId, new BoundaryStackSets.OperationView(operationId, action, "RUNNING", clock.instant(),
        null, null));
    effect.accept(s);
  }

  private static String policyArnIn(FakeStackSet s, String account) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"ManagedPolicyName\"\\s*:\\s*\"([^\"]+)\"")
        .matcher(s.template);
    return "arn:aws:iam::" + account + ":policy/" + (m.find() ? m.group(1) : "unknown");
  }

  Instant now() {
    return clock.instant();
  }
}
