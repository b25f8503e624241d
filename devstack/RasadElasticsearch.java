// Starts one Elasticsearch 8.19 node inside this JVM, from the jars Maven resolved.
//
// Why not org.elasticsearch.bootstrap.Elasticsearch: the stock entry point reads its arguments
// from a parent CLI process over stdin, refuses to run as root and installs the entitlement
// agent or a security manager. A Node is all Rasad needs.
//
// Why the module path: PluginsLoader reads the server's module descriptor and defines each
// module (here transport-netty4, from <home>/modules/) in a layer above the server's module, so
// the server must be a named module; on the plain classpath it fails with a NullPointerException.
//
// Usage: java --module-path <server jars> --add-modules ALL-MODULE-PATH -cp <this class> RasadElasticsearch <home>
// <home>/config/elasticsearch.yml holds the node settings, <home>/config/log4j2.properties the logging.
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

public final class RasadElasticsearch {

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: RasadElasticsearch <home>");
            System.exit(2);
        }
        Path home = Paths.get(args[0]).toAbsolutePath();

        // The server logs through its own facade, which must be set before any server class
        // logs: reading the settings already does (x-content finds its Jackson through it).
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureESLogging();

        // Reads config/elasticsearch.yml and fills in the path defaults.
        Settings base = Settings.builder().put("path.home", home.toString()).build();
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            base, Map.of(), home.resolve("config"), () -> "rasad-es");
        LogConfigurator.setNodeName(env.settings().get("node.name", "rasad-es"));
        LogConfigurator.configure(env, true);

        // No module gets native access (the empty map), as in the stock bootstrap on JDK 17.
        PluginsLoader plugins = PluginsLoader.createPluginsLoader(
            PluginsLoader.loadModulesBundles(env.modulesDir()),
            PluginsLoader.loadPluginsBundles(env.pluginsDir()),
            Map.of());

        // The plain Node runs no bootstrap checks (those belong to the stock entry point).
        Node node = new Node(env, plugins);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.prepareForClose();
                node.close();
                if (!node.awaitClose(10, TimeUnit.SECONDS)) {
                    System.err.println("rasad-elasticsearch: node did not close within 10 s");
                }
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "rasad-elasticsearch-shutdown"));
        try {
            node.start();
        } catch (Throwable t) {
            // A port in use, a bad setting: exit non-zero rather than leave a half-started JVM.
            t.printStackTrace();
            System.exit(1);
        }
        System.out.println("rasad-elasticsearch: started");
        // The node's threads are daemons: wait here until the shutdown hook has closed it.
        stopped.await();
    }
}
