package org.ldm4j.core.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The backward pass: walks the recorded graph from an output in reverse topological order, turning each
 * node's output gradient into its inputs' gradients.
 *
 * <p>Gradients of intermediate tensors are freed as soon as the nodes that produced them have used them; each
 * node's saved arrays are freed once it has run (unless the graph is retained).
 *
 * <pre>{@code
 * loss.backward();                                                  // into the .grad of every leaf
 * List<Tensor> g = Autograd.grad(nllLoss, List.of(lastLayer), true); // d nllLoss / d lastLayer only
 * }</pre>
 */
public final class Autograd {
    private Autograd() {
    }

    /** Backpropagates {@code gradRoot} (ones for a one-element root when null) into the grads of all leaves. */
    public static void backward(Tensor root, Tensor gradRoot, boolean retainGraph) {
        new Pass(root, gradRoot, null, retainGraph).run();
    }

    /**
     * The gradients of {@code root} with respect to each of {@code wrt} (leaves or intermediates), without
     * touching any {@code .grad}. An entry is null where {@code root} does not depend on that tensor.
     */
    public static List<Tensor> grad(Tensor root, List<Tensor> wrt, boolean retainGraph) {
        Pass p = new Pass(root, null, wrt, retainGraph);
        p.run();
        List<Tensor> out = new ArrayList<>(wrt.size());
        for (Tensor t : wrt) {
            INDArray g = p.results.get(t);
            out.add(g == null ? null : Tensor.wrap(g));
        }
        return out;
    }

    private static final class Pass {
        private final Tensor root;
        private final Tensor gradRoot;
        private final boolean retainGraph;
        private final Map<Tensor, Boolean> wrt;           // null: accumulate into leaves' .grad
        final Map<Tensor, INDArray> results = new IdentityHashMap<>();
        private final Map<Node, Tensor> outputs = new IdentityHashMap<>();
        private final Map<Node, int[]> deps = new IdentityHashMap<>();
        private final Map<Node, Boolean> relevant = new IdentityHashMap<>();
        private final Map<Node, INDArray> pending = new IdentityHashMap<>();
        private final Map<DataBuffer, int[]> refs = new IdentityHashMap<>();
        private final Map<DataBuffer, Boolean> adopted = new IdentityHashMap<>();
        private DataBuffer protectedBuffer;

        Pass(Tensor root, Tensor gradRoot, List<Tensor> wrt, boolean retainGraph) {
            this.root = root;
            this.gradRoot = gradRoot;
            this.retainGraph = retainGraph;
            if (wrt == null) {
                this.wrt = null;
            } else {
                this.wrt = new IdentityHashMap<>();
                for (Tensor t : wrt) {
                    this.wrt.put(t, Boolean.TRUE);
                }
            }
        }

        void run() {
            if (!root.requiresGrad()) {
                throw new IllegalStateException("backward: the output " + Shapes.str(root.shape()) + " does not "
                        + "require grad (no input requires grad, or it was computed under GradMode.disabled())");
            }
            INDArray g0;
            if (gradRoot == null) {
                if (root.numel() != 1) {
                    throw new IllegalArgumentException("backward: expected a one-element output, got shape "
                            + Shapes.str(root.shape()) + "; pass the output's gradient explicitly");
                }
                g0 = Nd4j.ones(root.dtype().nd4j(), root.shape());
            } else {
                if (!Shapes.equal(gradRoot.shape(), root.shape())) {
                    throw new IllegalArgumentException("backward: gradient shape " + Shapes.str(gradRoot.shape())
                            + " does not match the output's " + Shapes.str(root.shape()));
                }
                g0 = gradRoot.array();
                protectedBuffer = Ops.rootBuffer(g0);
            }
            Node rootNode = root.node();
            if (rootNode == null) {
                deliverToLeaf(root, g0);
                return;
            }
            collect(rootNode);
            if (!isRelevant(rootNode)) {
                return;
            }
            store(rootNode, g0);
            ArrayDeque<Node> ready = new ArrayDeque<>();
            ready.add(rootNode);
            while (!ready.isEmpty()) {
                Node n = ready.poll();
                INDArray g = pending.remove(n);
                unref(g);
                Tensor out = outputs.get(n);
                if (wrt != null && wrt.containsKey(out)) {
                    results.put(out, g.dup());
                }
                out.retainGradIfAsked(g);
                Tensor[] inputs = n.inputs();
                INDArray[] grads = n.backward(g);
                for (int i = 0; i < inputs.length; i++) {
                    Tensor in = inputs[i];
                    INDArray gi = grads[i];
                    if (gi == null || in == null || !in.requiresGrad()) {
                        continue;
                    }
                    checkGradShape(n, i, in, gi);
                    Node p = in.node();
                    if (p == null) {
                        if (!adoptIntoLeaf(in, gi, grads, i)) {
                            deliverToLeaf(in, gi);
                        }
                    } else if (isRelevant(p)) {
                        INDArray prev = pending.get(p);
                        if (prev == null) {
                            store(p, gi);
                        } else {
                            unref(prev);
                            INDArray sum = prev.add(gi);
                            pending.put(p, sum);
                            ref(sum);
                            maybeFree(prev);
                        }
                        if (--deps.get(p)[0] == 0) {
                            ready.add(p);
                        }
                    }
                }
                for (INDArray gi : grads) {
                    maybeFree(gi);
                }
                maybeFree(g);
                if (!retainGraph) {
                    n.free();
                }
            }
        }

        private void checkGradShape(Node n, int i, Tensor in, INDArray gi) {
            if (!Shapes.equal(gi.shape(), in.shape())) {
                throw new IllegalStateException("backward of '" + n.op() + "': gradient of input " + i + " has shape "
                        + Shapes.str(gi.shape()) + ", the input has " + Shapes.str(in.shape()));
            }
        }

        /**
         * Hands a gradient array to a leaf as its {@code .grad} instead of copying it, where the leaf has no
         * gradient yet and nothing else can see the array: no pending gradient, no other entry of this node's
         * gradients and not the caller's output gradient share its memory.
         */
        private boolean adoptIntoLeaf(Tensor leaf, INDArray gi, INDArray[] grads, int index) {
            if (wrt != null || leaf.grad() != null || gi.dataType() != leaf.dtype().nd4j()) {
                return false;
            }
            DataBuffer b = Ops.rootBuffer(gi);
            if (b == null || b == protectedBuffer || adopted.containsKey(b) || !b.closeable()
                    || !NdArrays.isRowMajor(gi) || b.length() != gi.length()) {
                return false;
            }
            int[] c = refs.get(b);
            if (c != null && c[0] > 0) {
                return false;
            }
            for (int k = 0; k < grads.length; k++) {
                if (k != index && grads[k] != null && Ops.rootBuffer(grads[k]) == b) {
                    return false;
                }
            }
            adopted.put(b, Boolean.TRUE);
            leaf.adoptGrad(NdArrays.owned(gi, gi.shape()));
            return true;
        }

        private void deliverToLeaf(Tensor leaf, INDArray g) {
            if (wrt == null) {
                leaf.accumulateGrad(g);
            } else if (wrt.containsKey(leaf)) {
                INDArray prev = results.get(leaf);
                results.put(leaf, prev == null ? g.dup() : prev.addi(g));
            }
        }

        /** Finds every node reachable from the root, which of them matter, and how many consumers each has. */
        private void collect(Node rootNode) {
            ArrayDeque<Node> stack = new ArrayDeque<>();
            List<Node> order = new ArrayList<>();
            outputs.put(rootNode, root);
            stack.push(rootNode);
            relevant.put(rootNode, Boolean.FALSE);
            while (!stack.isEmpty()) {
                Node n = stack.pop();
                order.add(n);
                for (Tensor in : n.inputs()) {
                    if (in == null || !in.requiresGrad() || in.node() == null) {
                        continue;
                    }
                    Node p = in.node();
                    if (!relevant.containsKey(p)) {
                        relevant.put(p, Boolean.FALSE);
                        outputs.put(p, in);
                        stack.push(p);
                    }
                }
            }
            // relevance: a node matters when some path from it reaches a tensor we want a gradient for.
            // Iterate to a fixed point in reverse discovery order (cheap: graphs are DAGs of modest size).
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int k = order.size() - 1; k >= 0; k--) {
                    Node n = order.get(k);
                    if (relevant.get(n)) {
                        continue;
                    }
                    if (nodeMatters(n)) {
                        relevant.put(n, Boolean.TRUE);
                        changed = true;
                    }
                }
            }
            for (Node n : order) {
                if (!relevant.get(n)) {
                    continue;
                }
                for (Tensor in : n.inputs()) {
                    if (in != null && in.requiresGrad() && in.node() != null && relevant.get(in.node())) {
                        deps.computeIfAbsent(in.node(), k -> new int[1])[0]++;
                    }
                }
            }
        }

        private boolean nodeMatters(Node n) {
            if (wrt == null) {
                return true;
            }
            if (wrt.containsKey(outputs.get(n))) {
                return true;
            }
            for (Tensor in : n.inputs()) {
                if (in == null || !in.requiresGrad()) {
                    continue;
                }
                if (in.node() == null ? wrt.containsKey(in) : relevant.get(in.node())) {
                    return true;
                }
            }
            return false;
        }

        private boolean isRelevant(Node n) {
            Boolean r = relevant.get(n);
            return r != null && r;
        }

        private void store(Node n, INDArray g) {
            pending.put(n, g);
            ref(g);
        }

        private void ref(INDArray a) {
            refs.computeIfAbsent(Ops.rootBuffer(a), k -> new int[1])[0]++;
        }

        private void unref(INDArray a) {
            int[] c = refs.get(Ops.rootBuffer(a));
            if (c != null) {
                c[0]--;
            }
        }

        /** Frees a gradient array's memory once no pending gradient shares it. */
        private void maybeFree(INDArray a) {
            if (a == null) {
                return;
            }
            DataBuffer b = Ops.rootBuffer(a);
            if (b == null || adopted.containsKey(b)) {
                return;
            }
            int[] c = refs.get(b);
            if ((c == null || c[0] <= 0) && b != protectedBuffer && !b.wasClosed() && b.closeable()) {
                refs.remove(b);
                b.close();
            }
        }
    }
}
