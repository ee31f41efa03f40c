package dev.redsaga.example.spring.order;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * The order service: its own database, two branch endpoints (create, cancel), and {@code POST /purchases}, which
 * runs a purchase as a saga on the coordinator. Settings in {@code order.properties}.
 */
@SpringBootApplication
public class OrderApplication {

    public static void main(String[] args) {
        new SpringApplicationBuilder(OrderApplication.class).properties("spring.config.name=order").run(args);
    }
}
