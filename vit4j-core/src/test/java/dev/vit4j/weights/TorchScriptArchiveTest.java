package dev.vit4j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vit4j.Vit4jException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TorchScript archives (torch.jit.save; OpenAI's CLIP .pt files): their modules become inert attribute holders whose
 * tensors are named by attribute path, and nothing a module class could do is ever done.
 */
class TorchScriptArchiveTest {
    @Test
    void anArchivesTensorsAreNamedAsItsStateDict() throws Exception {
        Path archive = Path.of(TorchScriptArchiveTest.class
                .getResource("/dev/vit4j/clip/openai-tiny.pt")
                .toURI());
        try (TensorSource t = WeightFiles.open(archive)) {
            Map<String, long[]> shapes = t.shapes();
            assertEquals(4, shapes.get("visual.conv1.weight").length);
            assertTrue(
                    shapes.containsKey("transformer.resblocks.0.attn.in_proj_weight"),
                    shapes.keySet().toString());
            assertTrue(shapes.containsKey("visual.transformer.resblocks.0.mlp.c_fc.weight"));
            assertTrue(shapes.containsKey("logit_scale"));
            assertFalse(shapes.keySet().stream().anyMatch(k -> k.contains("training")), "flags are not tensors");
        }
    }

    private static byte[] pickle(String body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x80);
        out.write(2);
        out.writeBytes(body.getBytes(StandardCharsets.ISO_8859_1));
        out.write('.');
        return out.toByteArray();
    }

    @Test
    void aScriptClassIsNeverCalledNorGivenArguments() {
        // __torch__.m.M() called with REDUCE: a class is not a function here
        byte[] called = pickle("c__torch__.m\nM\n)R");
        Vit4jException e =
                assertThrows(Vit4jException.class, () -> RestrictedUnpickler.load("called", ByteBuffer.wrap(called)));
        assertTrue(e.getMessage().contains("cannot be called"), e.getMessage());
        // NEWOBJ with arguments: refused
        byte[] withArgs = pickle("c__torch__.m\nM\nK\u0001\u0085\u0081");
        e = assertThrows(Vit4jException.class, () -> RestrictedUnpickler.load("args", ByteBuffer.wrap(withArgs)));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        // NEWOBJ of anything else (a storage type): refused
        byte[] other = pickle("ctorch\nFloatStorage\n)\u0081");
        e = assertThrows(Vit4jException.class, () -> RestrictedUnpickler.load("other", ByteBuffer.wrap(other)));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        // what a script module's pickle does: NEWOBJ, then BUILD with its attributes
        byte[] inert = pickle("c__torch__.m\nM\n)\u0081}(X\u0001\u0000\u0000\u0000aK\u0002ub");
        Object o = RestrictedUnpickler.load("inert", ByteBuffer.wrap(inert));
        assertTrue(
                o instanceof RestrictedUnpickler.ScriptObject s
                        && s.attributes().get("a").equals(2L),
                "" + o);
    }
}
