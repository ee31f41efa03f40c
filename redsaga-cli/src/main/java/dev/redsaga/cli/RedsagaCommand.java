package dev.redsaga.cli;

import dev.redsaga.bench.BenchCommand;
import dev.redsaga.chaos.ChaosCommand;
import dev.redsaga.example.orderstock.DemoCommand;
import dev.redsaga.example.orderstock.ServicesCommand;
import dev.redsaga.server.cli.ServerCommand;
import dev.redsaga.testkit.sim.SimulateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code redsaga}: the one command line of the project; each job is a subcommand. */
@Command(name = "redsaga", mixinStandardHelpOptions = true, versionProvider = RedsagaCommand.Version.class,
        description = "A saga distributed-transaction coordinator with Redis at its heart, speaking DTM's protocol.",
        subcommands = {ServerCommand.class, DemoCommand.class, BenchCommand.class, SimulateCommand.class,
            ChaosCommand.class, ServicesCommand.class, TryBranchesCommand.class, TxCommand.class,
            CommandLine.HelpCommand.class})
public final class RedsagaCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code --version}: this build's, as the server reports it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"redsaga " + dev.redsaga.server.RedsagaServer.version()};
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        // Netty (under Lettuce) samples buffers for leak reports by default, capturing a stack trace each time;
        // -Dio.netty.leakDetection.level=simple turns it back on.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        CommandLine cl = new CommandLine(new RedsagaCommand());
        cl.setParameterExceptionHandler(ServerCommand.explainingOrigins(cl.getParameterExceptionHandler()));
        System.exit(cl.execute(args));
    }
}
