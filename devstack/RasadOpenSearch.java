// Starts one OpenSearch node inside this JVM, from jars on the classpath.
//
// Why not org.opensearch.bootstrap.OpenSearch: the stock bootstrap refuses to run as root
// and expects a distribution layout (modules/ folders with descriptors). Node has a
// protected constructor that takes plugin classes directly, so we subclass it and hand
// it every Plugin found in the plugin jars on the classpath.
//
// Usage: java -cp <opensearch runtime classpath>:<this class> RasadOpenSearch <home> <config.yml>
// The YAML file holds the node settings (ports, paths, single-node discovery ...).
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

public final class RasadOpenSearch {

    /** A Node that accepts classpath plugin classes (the constructor is protected). */
    static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
            super(env, plugins, true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: RasadOpenSearch <home> <settings.yml>");
            System.exit(2);
        }
        Path home = Paths.get(args[0]).toAbsolutePath();
        Path config = home.resolve("config");
        // An empty modules/ and plugins/ keep PluginsService from looking for a distribution.
        Files.createDirectories(config);
        Files.createDirectories(home.resolve("modules"));
        Files.createDirectories(home.resolve("plugins"));

        Settings settings = Settings.builder()
            .loadFromPath(Paths.get(args[1]))
            .put("path.home", home.toString())
            .build();
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureWithoutConfig(settings);

        Environment env = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), config, () -> settings.get("node.name", "rasad"));
        List<Class<? extends Plugin>> plugins = classpathPlugins();
        System.out.println("rasad-opensearch: plugins " + plugins);

        Node node = new EmbeddedNode(env, plugins);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (IOException e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "rasad-opensearch-shutdown"));
        node.start();
        System.out.println("rasad-opensearch: started");
        stopped.await();
    }

    /** Concrete Plugin subclasses in the plugin jars (every jar but the server's own). */
    @SuppressWarnings("unchecked")
    static List<Class<? extends Plugin>> classpathPlugins() throws IOException {
        List<Class<? extends Plugin>> found = new ArrayList<>();
        ClassLoader loader = RasadOpenSearch.class.getClassLoader();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String name = Paths.get(entry).getFileName().toString();
            if (!entry.endsWith(".jar") || name.matches("opensearch-\\d.*\\.jar")) {
                continue;
            }
            try (JarFile jar = new JarFile(entry)) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    String path = entries.nextElement().getName();
                    if (!path.startsWith("org/opensearch/") || !path.endsWith("Plugin.class") || path.contains("$")) {
                        continue;
                    }
                    String className = path.substring(0, path.length() - 6).replace('/', '.');
                    try {
                        Class<?> cls = Class.forName(className, false, loader);
                        if (Plugin.class.isAssignableFrom(cls)
                            && !java.lang.reflect.Modifier.isAbstract(cls.getModifiers())
                            && !cls.isInterface()) {
                            found.add((Class<? extends Plugin>) cls);
                        }
                    } catch (ClassNotFoundException | LinkageError e) {
                        // Not loadable with this classpath: not a plugin we can run.
                    }
                }
            }
        }
        return found;
    }
}
