package dev.redsaga.example.spring.stock;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/** The stock service: its own database, two branch endpoints (deduct, restore). Settings in {@code stock.properties}. */
@SpringBootApplication
public class StockApplication {

    public static void main(String[] args) {
        new SpringApplicationBuilder(StockApplication.class).properties("spring.config.name=stock").run(args);
    }

    /** The product on sale, with {@code stock.initial} units, unless it is there already. */
    @Bean
    ApplicationRunner initialStock(JdbcTemplate jdbc, @Value("${stock.initial}") int units) {
        return args -> jdbc.update("INSERT INTO stock (product_id, available) SELECT ?, ? WHERE NOT EXISTS "
                + "(SELECT 1 FROM stock WHERE product_id = ?)", StockController.PRODUCT, units, StockController.PRODUCT);
    }
}
